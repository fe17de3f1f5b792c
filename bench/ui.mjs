// Web UI benchmark (issue 17), headless chromium against a `sluice server` (bench/ui-workspace: W3 at
// 100 and 10000 steps), in one session:
// - a flow page's graph interactive: from navigation to the graph drawn and ready (median of RUNS);
// - panning it: the frame intervals (requestAnimationFrame) while the mouse drags it, mean;
// - a run page following about 200 step events a second: events shown beside events sent;
// - the app's initial JavaScript, gzip-compressed.
// Targets: 10000 steps within 3x the 100-step time, pan frames within 2x, initial JS ≤ 300 KB.
// Standalone: `node bench/ui.mjs`; needs /usr/bin/chromium (apt-get install -y chromium).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { median } from "./median.mjs";
import { startServer } from "./server.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium";

export function initialJsGzipBytes() {
  const assets = join(root, "packages/ui/dist/assets");
  const html = readFileSync(join(root, "packages/ui/dist/index.html"), "utf8");
  return readdirSync(assets)
    .filter((file) => file.endsWith(".js") && html.includes(file))
    .reduce((sum, file) => sum + gzipSync(readFileSync(join(assets, file))).length, 0);
}

async function open(page, url) {
  const started = performance.now();
  await page.goto(url);
  await page
    .locator(
      "[data-testid=flow-graph] [data-ready=true], [data-testid=flow-graph][data-ready=true]",
    )
    .first()
    .waitFor({ timeout: 120_000 });
  return performance.now() - started;
}

/** Mean interval between animation frames while the mouse drags the graph. */
async function panFrameMs(page) {
  const box = await page.getByTestId("flow-graph").boundingBox();
  await page.evaluate(() => {
    window.__frames = [];
    const tick = (time) => {
      window.__frames.push(time);
      if (window.__frames.length < 10_000 && !window.__stop) requestAnimationFrame(tick);
    };
    window.__stop = false;
    requestAnimationFrame(tick);
  });
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 0; i < 60; i++)
    await page.mouse.move(x + (i % 20) * 10 - 100, y + (i % 7) * 5, { steps: 2 });
  await page.mouse.up();
  const frames = await page.evaluate(() => {
    window.__stop = true;
    return window.__frames;
  });
  const intervals = frames.slice(1).map((t, i) => t - frames[i]);
  return intervals.reduce((a, b) => a + b, 0) / Math.max(1, intervals.length);
}

/**
 * A run page following a run that makes about 200 step events a second: the events its page counted
 * beside those a client subscribed at the same time received, and how long after the run's end the page
 * showed it.
 */
async function followRun(browser, url) {
  const base = `${url}/api/projects/bench`;
  const response = await fetch(`${base}/flows/ticker/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  const { runId } = await response.json();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${url}/runs/${runId}`);
  await page.getByTestId("events-seen").waitFor();
  // The bench's own subscription, also before the first tick (the run waits 5 s for both).
  let sent = 0;
  let endedAt = 0;
  const stream = await fetch(`${base}/runs/${runId}/events`, {
    headers: { accept: "text/event-stream" },
  });
  const reader = stream.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const events = buffer.split("\n\n");
    buffer = events.pop();
    for (const event of events)
      if (event.includes("data:")) {
        sent++;
        if (event.includes("event: run:end")) endedAt = performance.now();
      }
  }
  await page.locator("h1 [data-status=succeeded]").waitFor({ timeout: 60_000 });
  const lagMs = performance.now() - endedAt;
  const seen = Number((await page.getByTestId("events-seen").textContent()).match(/\d+/)[0]);
  await page.close();
  return { sent, seen, lagMs };
}

export async function measureUi({ runs = 3 } = {}) {
  const home = mkdtempSync(join(os.tmpdir(), "sluice-bench-ui-"));
  // The ticker's first step waits this long: the page and the bench both subscribe before its events.
  process.env.TICKER_START_MS = "5000";
  const { child, url } = await startServer(home, {
    cwd: join(root, "bench/ui-workspace"),
    args: ["--insecure-local"],
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const figures = {};
    for (const n of [100, 10000]) {
      const opens = [];
      const pans = [];
      for (let i = 0; i < runs; i++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        opens.push(await open(page, `${url}/flows/w3-${n}`));
        pans.push(await panFrameMs(page));
        await page.close();
      }
      figures[n] = { interactiveMs: median(opens), panFrameMs: median(pans) };
    }
    const follow = await followRun(browser, url);
    return { ...figures, follow, initialJsKb: initialJsGzipBytes() / 1024, runs };
  } finally {
    await browser.close();
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(home, { recursive: true, force: true });
  }
}

export function uiTable(f) {
  return [
    "| graph page, W3 | interactive (median) | pan: mean frame interval |",
    "|---|---:|---:|",
    `| 100 steps (xyflow, ELK in a worker) | ${f[100].interactiveMs.toFixed(0)} ms | ${f[100].panFrameMs.toFixed(1)} ms |`,
    `| 10000 steps (canvas, depth layout) | ${f[10000].interactiveMs.toFixed(0)} ms (${(f[10000].interactiveMs / f[100].interactiveMs).toFixed(2)}x; target ≤ 3x) | ${f[10000].panFrameMs.toFixed(1)} ms (${(f[10000].panFrameMs / f[100].panFrameMs).toFixed(2)}x; target ≤ 2x) |`,
    "",
    `A run page following a 300-step chain of 10 ms steps (about 200 step events a second): ${f.follow.seen} events shown of ${f.follow.sent} sent (target: all); the page showed the run's end ${f.follow.lagMs.toFixed(0)} ms after the stream carried it.`,
    "",
    `Initial JavaScript: ${f.initialJsKb.toFixed(0)} KB gzip-compressed (target ≤ 300 KB); the ELK worker loads only for a graph.`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await measureUi({ runs: Number(process.env.BENCH_RUNS ?? 3) });
  process.stdout.write(`${uiTable(figures)}\n`);
}
