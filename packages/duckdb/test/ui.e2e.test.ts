// Recipes in the web UI: Debian's chromium against a real server on 127.0.0.1 serving the aggregate +
// join example (fixtures/workspace). The flow page shows a recipe's columns, derived before any run;
// after a run, the Datasets page shows the recorded schema and the rows of its Parquet output.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { createApiKey, SluiceServer } from "@sluice/server";
import { openHome } from "sluice/internal";
import { root } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const CHROMIUM = process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);

describe.runIf(available)("recipes in the web UI", { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: SluiceServer;
  let key: string;

  beforeAll(async () => {
    const home = tempDir("sluice-ui-recipes-");
    const opened = await openHome(home);
    key = (await createApiKey(opened.serverTables, { project: "recipes", name: "ui" })).key;
    opened.close();
    server = await SluiceServer.start({
      config: join(root, "packages/duckdb/test/fixtures/workspace"),
      home,
      port: 0,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows a recipe's derived columns in the flow page, then its recorded schema and rows", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/`);
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "ml_training_data" }).click();
    const steps = page.getByRole("table", { name: "Steps and what a run would do" });
    await steps.getByRole("button", { name: "group_CLINICAL_NOTES_AGG" }).click();
    const columns = page.getByRole("table", { name: "Columns of group_CLINICAL_NOTES_AGG" });
    await columns.waitFor();
    expect(await columns.locator("tbody tr").allInnerTexts()).toEqual([
      "patient_id\tBIGINT",
      "notes\tBIGINT",
      "mean_words\tDOUBLE",
    ]);

    await page.getByRole("button", { name: "Trigger run" }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    await page.locator("h1 [data-status=succeeded]").waitFor({ timeout: 60_000 });
    await page.getByRole("link", { name: "Datasets" }).click();
    await page.getByRole("link", { name: "ml_training_data/group_CLINICAL_NOTES_AGG" }).click();
    const schema = page.getByRole("table", { name: "Schema" });
    await schema.getByText("mean_words").waitFor();
    expect(await schema.locator("tbody tr").allInnerTexts()).toEqual([
      "patient_id\tBIGINT",
      "notes\tBIGINT",
      "mean_words\tDOUBLE",
    ]);
    const rows = page.getByRole("table", { name: "First rows" });
    await rows.locator("tbody tr").first().waitFor();
    expect(await rows.locator("tbody tr").count()).toBeGreaterThan(0);
    await page.close();
  });
});
