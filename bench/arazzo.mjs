// The Arazzo benchmark: one document of N sequential steps, each putting
// the previous response's `next` into its path, run by `sluice arazzo run` (whole process, durable
// recording in a fresh home) against a local HTTP server in this process.
// Standalone: `node bench/arazzo.mjs` prints the figures; bench/run.mjs imports measureArazzo().
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./median.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

/** An OpenAPI description with one operation, and an Arazzo document chaining it `steps` times. */
function writeDocuments(dir, steps) {
  writeFileSync(
    join(dir, "items.openapi.yaml"),
    `openapi: 3.1.0
info: { title: items, version: "1" }
servers: [{ url: "http://127.0.0.1:1" }]
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { "200": { description: an item } }
`,
  );
  const lines = [
    "arazzo: 1.0.1",
    "info: { title: chain, version: '1' }",
    "sourceDescriptions: [{ name: items, url: ./items.openapi.yaml, type: openapi }]",
    "workflows:",
    "  - workflowId: chain",
    "    steps:",
  ];
  for (let i = 0; i < steps; i++) {
    const id = i === 0 ? "start" : `$steps.s${i - 1}.outputs.next`;
    lines.push(
      `      - stepId: s${i}`,
      "        operationId: getItem",
      `        parameters: [{ name: id, in: path, value: ${JSON.stringify(id)} }]`,
      "        successCriteria: [{ condition: $statusCode == 200 }]",
      "        outputs: { next: $response.body#/next }",
    );
  }
  lines.push("    outputs:", `      last: $steps.s${steps - 1}.outputs.next`);
  writeFileSync(join(dir, `chain-${steps}.arazzo.yaml`), `${lines.join("\n")}\n`);
}

function startServer() {
  let counter = 0;
  const server = createServer((request, response) => {
    counter++;
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        id: decodeURIComponent(request.url.split("/").pop()),
        next: `item-${counter}`,
      }),
    );
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Whole-process wall time of one `sluice arazzo run` (the server answers from this process, so spawn asynchronously). */
function timeRun(doc, port, home) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [
        "packages/sluice/bin/sluice.js",
        "arazzo",
        "run",
        doc,
        "--json",
        "--source-url",
        `items=http://127.0.0.1:${port}`,
      ],
      {
        cwd: root,
        env: { ...process.env, SLUICE_HOME: home },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0)
        return reject(new Error(`sluice arazzo run ${doc} exited ${code}: ${stderr || stdout}`));
      resolve(ms);
    });
  });
}

/** Median whole-process time for 1 and `steps` steps, and the marginal time per step. */
export async function measureArazzo({ runs = 5, steps = 50 } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), "sluice-bench-arazzo-"));
  const server = await startServer();
  const { port } = server.address();
  try {
    const result = {};
    for (const n of [1, steps]) {
      writeDocuments(dir, n);
      const doc = join(dir, `chain-${n}.arazzo.yaml`);
      await timeRun(doc, port, mkdtempSync(join(dir, "home-"))); // warm the file system cache
      const samples = [];
      for (let i = 0; i < runs; i++)
        samples.push(await timeRun(doc, port, mkdtempSync(join(dir, "home-"))));
      result[n] = median(samples);
    }
    return {
      steps,
      oneStepMs: result[1],
      wallMs: result[steps],
      marginalMs: (result[steps] - result[1]) / (steps - 1),
    };
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await measureArazzo({ runs: Number(process.env.BENCH_RUNS ?? 5) });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
