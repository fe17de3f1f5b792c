// The web UI end to end: Debian's chromium (through playwright-core) against a real `sluice server` on
// 127.0.0.1 serving test/fixtures/workspace (flow "training": load → train). Screenshots of the main
// pages go to packages/ui/test-results/screenshots/. Outside CI, without /usr/bin/chromium, the tests are
// skipped with one line saying how to install it.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { createApiKey, SluiceServer } from "@sluice/server";
import { openHome } from "sluice/internal";
import { root } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { workspaceDir } from "../../../test/support/sluice-server.js";

const CHROMIUM = process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available && process.env.CI)
  throw new Error(`${CHROMIUM} is missing: .ci/run installs it (apt-get install -y chromium).`);
if (!available)
  process.stderr.write(
    `web UI tests skipped: no ${CHROMIUM} (apt-get install -y chromium, or set SLUICE_CHROMIUM)\n`,
  );

const shots = join(root, "packages/ui/test-results/screenshots");

// A browser on a shared 2-core machine is slow: each test gets two minutes.
describe.runIf(available)("the web UI", { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: SluiceServer;
  let home: string;
  let writer: { key: string; keyId: string };
  let reader: string;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    home = tempDir("sluice-ui-");
    const opened = await openHome(home);
    const made = await createApiKey(opened.serverTables, { project: "demo", name: "ui" });
    writer = { key: made.key, keyId: made.record.keyId };
    reader = (await createApiKey(opened.serverTables, { project: "demo", readOnly: true })).key;
    opened.close();
    server = await SluiceServer.start({ config: workspaceDir, home, port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signedIn(key: string, path = "/"): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}${path}`);
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    return page;
  }

  it("logs in, previews a flow, triggers a run and watches it go green live, then opens a failed step's log", async () => {
    const page = await signedIn(writer.key);
    await page.getByRole("heading", { name: "Flows of demo" }).waitFor();
    await page.screenshot({ path: join(shots, "flows.png") });
    await page.getByRole("link", { name: "training" }).click();
    await page.getByRole("heading", { name: /Flow training/ }).waitFor();
    const table = page.getByRole("table", { name: "Steps and what a run would do" });
    await table.getByText("missing-output").first().waitFor();
    await page.getByTestId("flow-graph").locator(".react-flow__node").first().waitFor();
    await page.screenshot({ path: join(shots, "flow.png") });

    await page.getByLabel(/^rows/).fill("3");
    await page.getByRole("button", { name: "Trigger run" }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    await page.locator("h1 [data-status=succeeded]").waitFor({ timeout: 20_000 });
    expect(await page.getByTestId("events-seen").textContent()).toMatch(/[1-9]\d* live event/);
    await page.getByTestId("flow-graph").locator(".react-flow__node").nth(1).waitFor();
    await page.screenshot({ path: join(shots, "run.png") });
    // A deep link survives a reload.
    const runUrl = page.url();
    await page.reload();
    await page.locator("h1 [data-status=succeeded]").waitFor();
    expect(page.url()).toBe(runUrl);

    // A run that fails: its first failure on top, a link to the step, the step's log.
    await page.goto(`${server.url}/flows/training`);
    await page.getByLabel(/^fail/).selectOption("true");
    await page.getByRole("button", { name: "Trigger run" }).click();
    await page.locator("h1 [data-status=failed]").waitFor({ timeout: 20_000 });
    const failure = page.getByRole("alert").filter({ hasText: "First failure" });
    await expect(failure.textContent()).resolves.toContain("training diverged");
    await failure.getByRole("link", { name: "train" }).click();
    await expect(page.getByTestId("step-log").textContent()).resolves.toContain("training on");
    await page.screenshot({ path: join(shots, "failed-run.png") });
    await page.close();
  });

  it("resets a step after showing what it invalidates, and the preview says reset", async () => {
    const page = await signedIn(writer.key, "/flows/training");
    await page.getByRole("heading", { name: /Flow training/ }).waitFor();
    await page.getByRole("button", { name: "Trigger run" }).click();
    await page.locator("h1 [data-status=succeeded]").waitFor({ timeout: 20_000 });
    await page.goto(`${server.url}/flows/training`);
    const table = page.getByRole("table", { name: "Steps and what a run would do" });
    await table.getByText("complete").first().waitFor();
    await table.getByRole("button", { name: "load" }).click();
    await page.getByRole("button", { name: "Reset load…" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm reset" });
    await expect(dialog.textContent()).resolves.toMatch(
      /invalidates 2 stored output\(s\) of: load, train/,
    );
    await page.screenshot({ path: join(shots, "reset.png") });
    await dialog.getByRole("button", { name: "Reset 2 step(s)" }).click();
    await table.getByText("reset").first().waitFor();
    await page.close();
  });

  it("shows a run's timeline, a dataset's schema and first rows, and two runs compared", async () => {
    const page = await signedIn(writer.key, "/runs");
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    const picks = page.getByRole("checkbox");
    await picks.first().waitFor();
    expect(await picks.count()).toBeGreaterThanOrEqual(2);
    await picks.nth(0).check();
    await picks.nth(1).check();
    await page.screenshot({ path: join(shots, "runs.png") });
    await page.getByRole("link", { name: "Compare the 2 picked runs" }).click();
    await page.getByRole("heading", { name: "Compare runs" }).waitFor();
    await page.getByRole("heading", { name: "Steps that differed" }).waitFor();
    await page.screenshot({ path: join(shots, "compare.png") });

    await page.goto(`${server.url}/runs`);
    await page.getByRole("table").getByRole("link").first().click();
    await page.getByRole("figure", { name: "Timeline of the run's steps" }).waitFor();
    await page.getByText("Params and metrics").click();
    await page.getByRole("list", { name: "Metrics" }).getByText("train · accuracy = 0.9").waitFor();
    // The dark theme, chosen in the header, kept across pages.
    await page.getByLabel("Theme").selectOption("dark");
    const background = () =>
      page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(await background()).toBe("rgb(13, 17, 23)");
    await page.screenshot({ path: join(shots, "run-dark.png") });
    await page.getByLabel("Theme").selectOption("light");
    expect(await background()).toBe("rgb(255, 255, 255)");

    await page.getByRole("link", { name: "Datasets" }).click();
    await page.getByRole("link", { name: "training/load" }).first().click();
    const schema = page.getByRole("table", { name: "Schema" });
    await schema.getByText("label").waitFor();
    expect(await schema.getByRole("row").count()).toBe(4); // header + id, score, label
    await page.getByRole("table", { name: "First rows" }).getByText('"row-0"').waitFor();
    await page.screenshot({ path: join(shots, "dataset.png") });
    await page.close();
  });

  it("shows a read-only key no action, and sends a revoked key back to the login page", async () => {
    const readOnly = await signedIn(reader, "/flows/training");
    await readOnly.getByText("This key is read-only").waitFor();
    expect(await readOnly.getByRole("button", { name: "Trigger run" }).count()).toBe(0);
    await readOnly.close();

    const page = await signedIn(writer.key, "/runs");
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    const opened = await openHome(home);
    await opened.serverTables.revokeApiKey(writer.keyId, Date.now());
    opened.close();
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByLabel("API key").waitFor();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("HTTP 401");
    await page.close();
  });
});
