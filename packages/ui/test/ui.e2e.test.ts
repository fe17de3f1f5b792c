// The web UI end to end: Debian's chromium (through playwright-core) against a real `sluice server` on
// 127.0.0.1 serving test/fixtures/ui-workspace (flow "training": load → train; flow "composed": a
// sub-pipeline, a map and an after edge). Screenshots of the main pages go to
// packages/ui/test-results/screenshots/. Outside CI, without /usr/bin/chromium, the tests are
// skipped with one line saying how to install it.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { createApiKey, SluiceServer } from "@sluice/server";
import { openHome } from "sluice/internal";
import { root, sluiceAsync } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { contrastProblems } from "./contrast.js";

const workspaceDir = join(root, "test/fixtures/ui-workspace");

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
    await page
      .getByTestId("step-log")
      .getByText(/training on/)
      .waitFor();
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

    // Filters live in the URL: a filtered list survives a reload.
    await page.goto(`${server.url}/runs`);
    const rows = page.getByRole("table").locator("tbody tr");
    await rows.first().waitFor();
    await page.getByLabel("Trigger").selectOption("schedule");
    await page.waitForURL(/trigger=schedule/);
    await expect.poll(() => rows.count()).toBe(0);
    await page.getByLabel("Trigger").selectOption("api");
    await page.getByLabel("Started").selectOption("1h");
    await page.waitForURL(/since=1h/);
    await page.reload();
    await rows.first().waitFor();
    expect(await page.getByLabel("Trigger").inputValue()).toBe("api");
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
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

  it("collapses a sub-pipeline and a map's items, shows a step's cache key, and forces a step after showing what runs", async () => {
    const page = await signedIn(writer.key, "/flows/composed");
    await page.getByRole("heading", { name: /Flow composed/ }).waitFor();
    const graph = page.getByTestId("flow-graph");
    const nodes = graph.locator(".react-flow__node");
    // audit, numbers, square, report and the collapsed sub-pipeline prep.
    await graph.locator(".node-group").waitFor();
    await expect.poll(() => nodes.count()).toBe(5);
    await graph.locator(".edge-after").first().waitFor({ state: "attached" });
    await page.getByRole("button", { name: /Expand sub-pipeline prep \(2 steps\)/ }).click();
    await expect.poll(() => nodes.count()).toBe(6);
    expect(await graph.locator(".node-group").count()).toBe(0);

    const table = page.getByRole("table", { name: "Steps and what a run would do" });
    await page.getByRole("button", { name: "Trigger run" }).click();
    await page.locator("h1 [data-status=succeeded]").waitFor({ timeout: 20_000 });
    // The run's map items are folded into the map step until expanded.
    const runGraph = page.getByTestId("flow-graph");
    await page.getByRole("button", { name: /Expand square \(6 items\)/ }).click();
    await runGraph.getByText("square[5]").waitFor();

    await page.goto(`${server.url}/flows/composed`);
    await table.getByText("complete").first().waitFor();
    await table.getByRole("button", { name: "numbers" }).click();
    const key = page.getByRole("region", { name: "Cache key of numbers" });
    await key.getByText("Code").waitFor();
    const preview = await page.evaluate(async () => {
      const keyText = sessionStorage.getItem("sluice.apiKey") ?? "";
      const response = await fetch("/api/projects/demo/flows/composed/preview", {
        method: "POST",
        headers: { authorization: `Bearer ${keyText}`, "content-type": "application/json" },
        body: "{}",
      });
      return (await response.json()) as { steps: { name: string; keyInputs: { code: string } }[] };
    });
    const numbers = preview.steps.find((s) => s.name === "numbers")!;
    await key.getByText(numbers.keyInputs.code).waitFor();
    await page.screenshot({ path: join(shots, "flow-cache-key.png") });

    await page.getByRole("button", { name: "Force numbers…" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm force" });
    // numbers and what depends on it: square, prep.dropOdd, prep.scale, report (not audit).
    await expect(dialog.textContent()).resolves.toMatch(/runs 5 step\(s\)/);
    expect(await dialog.textContent()).not.toContain("audit");
    await dialog.getByRole("button", { name: "Run 5 step(s)" }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    await page.locator("h1 [data-status=succeeded]").waitFor({ timeout: 20_000 });
    const steps = page.getByRole("table", { name: "Steps of the run" });
    await expect(steps.locator("tr[data-step=audit]").textContent()).resolves.toContain("cached");
    await expect(steps.locator("tr[data-step=numbers]").textContent()).resolves.toContain("forced");
    await page.close();
  });

  it("links to a log line that survives a reload, and shows a dataset's lineage", async () => {
    const page = await signedIn(writer.key, "/flows/training");
    await page.getByLabel(/^rows/).fill("7");
    await page.getByRole("button", { name: "Trigger run" }).click();
    await page.locator("h1 [data-status=succeeded]").waitFor({ timeout: 20_000 });
    await page
      .getByRole("table", { name: "Steps of the run" })
      .getByRole("link", { name: "load" })
      .click();
    const log = page.getByTestId("step-log");
    await log.getByText(/loading 7 rows/).waitFor();
    // The step's output downloads, the size it says.
    const output = page.getByTestId("step-output");
    const size = Number((await output.textContent())!.match(/(\d+) bytes/)![1]);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      output.getByRole("button", { name: "Download output" }).click(),
    ]);
    expect(statSync((await download.path())!).size).toBe(size);
    await log.getByRole("link", { name: "line 1" }).click();
    await page.waitForURL(/line=1$/);
    await page.reload();
    await page
      .getByTestId("step-log")
      .locator('li[aria-current="true"]')
      .getByText(/loading 7 rows/)
      .waitFor();

    await page.goto(`${server.url}/datasets/training/load`);
    const lineage = page.getByRole("region", { name: "Lineage" });
    const links = lineage.getByRole("list", { name: "Lineage steps" });
    await links.getByRole("link", { name: "training/train" }).waitFor();
    await expect(links.textContent()).resolves.toMatch(/made by\s*training\/load/);
    await expect(links.textContent()).resolves.toMatch(/downstream\s*training\/train/);
    // Edges are drawn once the nodes are measured: wait for them.
    await expect
      .poll(() => lineage.getByTestId("flow-graph").locator(".react-flow__edge").count())
      .toBe(1);
    await page.screenshot({ path: join(shots, "lineage.png") });
    await links.getByRole("link", { name: "training/train" }).click();
    await page.waitForURL(/\/runs\/[^/]+\?step=train$/);
    await page.close();
  });

  it("shows an Arazzo run's HTTP exchanges and criteria, the key masked", async () => {
    const example = join(root, "examples/run-and-poll");
    const result = await sluiceAsync(
      [
        "arazzo",
        "run",
        join(example, "run-and-poll.arazzo.yaml"),
        "--json",
        "--source-url",
        `sluice=${server.url}`,
        "--input",
        "project=demo",
        "--input",
        "flow=training",
        "--project",
        "demo",
      ],
      { cwd: example, home, env: { SLUICE_INPUT_APIKEY: writer.key }, timeoutMs: 60_000 },
    );
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const { runId } = JSON.parse(result.stdout) as { runId: string };
    const page = await signedIn(writer.key, `/runs/${runId}?step=trigger`);
    await page.locator("h1 [data-status=succeeded]").waitFor();
    await page.getByText("Arazzo workflow run-and-poll").waitFor();
    // Its steps, chained in the order they ran: check-flow → trigger → poll → details.
    await expect
      .poll(() => page.getByTestId("flow-graph").locator(".react-flow__edge").count())
      .toBe(3);
    const request = page.getByTestId("http-request");
    await expect(request.textContent()).resolves.toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/api\/projects\/demo\/flows\/training\/runs/,
    );
    await expect(page.getByTestId("http-response").textContent()).resolves.toMatch(/^20[12]/);
    await page
      .getByRole("list", { name: "Success criteria" })
      .getByText(/\$statusCode/)
      .first()
      .waitFor();
    expect(await page.content()).not.toContain(writer.key);
    await page.screenshot({ path: join(shots, "arazzo-run.png") });
    await page.close();
  });

  it("is usable from the keyboard with a visible focus, and its text passes WCAG AA contrast in both themes", async () => {
    const page = await signedIn(writer.key, "/runs");
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    // Tab reaches the main navigation; the focused link shows an outline; Enter follows it.
    let reached = "";
    for (let i = 0; i < 15 && reached !== "Flows"; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => (document.activeElement as HTMLElement).innerText ?? "");
    }
    expect(reached).toBe("Flows");
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    expect(outline.style).not.toBe("none");
    expect(outline.width).toBeGreaterThanOrEqual(2);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Flows of demo" }).waitFor();

    for (const path of ["/runs", "/flows/training", "/flows/composed", "/schedules", "/datasets"])
      for (const theme of ["light", "dark"]) {
        await page.goto(`${server.url}${path}`);
        await page.getByLabel("Theme").selectOption(theme);
        await page.locator("main h1").first().waitFor();
        await page.locator("[aria-busy=true]").first().waitFor({ state: "detached" });
        expect(await page.evaluate(contrastProblems), `${path} in the ${theme} theme`).toEqual([]);
      }
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
