// Server benchmark of issue 5: light-status requests per second with 50 concurrent connections
// (autocannon), and trigger-to-first-step latency (a POST until the first step's recorded start).
// A real `sluice server` child process on 127.0.0.1, a fresh home, the test workspace's flows (training: load, train).
// Standalone: `node bench/server.mjs` prints the figures; bench/run.mjs imports measureServer().
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const root = fileURLToPath(new URL("..", import.meta.url));
const workspace = join(root, "test/fixtures/workspace");

/**
 * A `sluice server` child process on a free port of 127.0.0.1, in the workspace `cwd`; resolves with its
 * URL. `store`: a SLUICE_STORE (a PostgreSQL stack) instead of the home.
 */
export function startServer(home, { cwd = workspace, args = [], store } = {}) {
  const child = spawn(
    process.execPath,
    [join(root, "packages/sluice/bin/sluice.js"), "server", "--port", "0", ...args],
    {
      cwd,
      env: { ...process.env, SLUICE_HOME: home, ...(store ? { SLUICE_STORE: store } : {}) },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve({ child, url: match[1] });
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function json(url, key, init = {}) {
  const response = await fetch(url, {
    ...init,
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      ...init.headers,
    },
  });
  if (!response.ok)
    throw new Error(`${init.method ?? "GET"} ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function waitDone(base, key, runId) {
  for (;;) {
    const light = await json(`${base}/runs/${runId}/light`, key);
    if (!light.running) return light;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function measureServer({ seconds = 5, connections = 50, triggers = 100, store } = {}) {
  const home = mkdtempSync(join(os.tmpdir(), "sluice-bench-server-"));
  const env = { ...process.env, SLUICE_HOME: home, ...(store ? { SLUICE_STORE: store } : {}) };
  const created = spawnSync(
    process.execPath,
    [join(root, "packages/sluice/bin/sluice.js"), "keys", "create", "--project", "demo"],
    { cwd: workspace, env, encoding: "utf8" },
  );
  const key = created.stdout.trim();
  const { child, url } = await startServer(home, { store });
  const base = `${url}/api/projects/demo`;
  try {
    // Trigger-to-start: from sending the POST to the first step's recorded start (one clock: same machine).
    const latencies = [];
    for (let i = 0; i < triggers; i++) {
      const sent = Date.now();
      // New params each time, so the first step really runs (and is not complete from before).
      const { runId } = await json(`${base}/flows/training/runs`, key, {
        method: "POST",
        body: JSON.stringify({ params: { rows: i + 1 } }),
      });
      await waitDone(base, key, runId);
      const run = await json(`${base}/runs/${runId}`, key);
      const first = Math.min(
        ...run.steps.filter((s) => s.startedAt).map((s) => Date.parse(s.startedAt)),
      );
      if (i >= 5) latencies.push(first - sent); // the first few warm the flow's code paths
    }
    const { runId } = await json(`${base}/flows/etl/runs`, key, { method: "POST", body: "{}" });
    await waitDone(base, key, runId);
    const result = await autocannon({
      url: `${base}/runs/${runId}/light`,
      connections,
      duration: seconds,
      headers: { authorization: `Bearer ${key}` },
    });
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`light status: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
    return {
      lightRps: result.requests.average,
      lightLatencyP99Ms: result.latency.p99,
      connections,
      seconds,
      triggerToStartMedianMs: percentile(latencies, 50),
      triggerToStartP99Ms: percentile(latencies, 99),
      triggers: latencies.length,
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await measureServer(), null, 2)}\n`);
}
