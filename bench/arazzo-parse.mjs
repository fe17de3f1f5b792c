// Timings of the Arazzo loader, whose unit tests check behaviour only: a YAML alias bomb refused
// (target: under 2 s) and an OpenAPI description of 3000 operations in JSON loaded and indexed
// (target: under 1.5 s). In-process, on dist/, median of `runs` after a first load each
// (which checks the outcome and warms up).
// Standalone: `node bench/arazzo-parse.mjs` prints the figures; bench/run.mjs imports measureArazzoParse().
import { fileURLToPath } from "node:url";
import { loadArazzo } from "@sluice/arazzo";
import { median } from "./median.mjs";

/** Serves `files` (URL → text) instead of the network. */
const fetchOf = (files) => async (url) =>
  files[String(url)] === undefined
    ? new Response("no", { status: 404 })
    : new Response(files[String(url)]);

const arazzo = (url) => `arazzo: 1.0.1
info: { title: t, version: "1" }
sourceDescriptions:
  - { name: api, url: ${url}, type: openapi }
workflows:
  - workflowId: w
    steps:
      - { stepId: s, operationId: get0 }
`;

/** Nine levels of ten aliases each: 10^9 nodes if expanded. */
function aliasBomb() {
  let text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (let i = 1; i < 9; i++)
    text += `l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(", ")}]\n`;
  return text;
}

function bigDescription(operations) {
  const paths = {};
  for (let i = 0; i < operations; i++) {
    paths[`/things${i}/{id}`] = {
      parameters: [{ $ref: "#/components/parameters/Id" }],
      get: {
        operationId: `get${i}`,
        responses: {
          200: {
            description: "ok",
            content: {
              "application/json": {
                schema: { type: "object", properties: { a: { type: "string" } } },
              },
            },
          },
        },
      },
    };
  }
  return JSON.stringify(
    {
      openapi: "3.0.3",
      info: { title: "big", version: "1" },
      paths,
      components: { parameters: { Id: { name: "id", in: "path", required: true } } },
    },
    null,
    2,
  );
}

async function timeLoad(url, files) {
  const started = process.hrtime.bigint();
  const result = await loadArazzo(url, { fetch: fetchOf(files) });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

async function medianMs(url, files, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push((await timeLoad(url, files)).ms);
  return median(samples);
}

export async function measureArazzoParse({ runs = 5 } = {}) {
  const bomb = { "https://h.test/bomb.yaml": aliasBomb() };
  const big = {
    "https://h.test/root.yaml": arazzo("big.json"),
    "https://h.test/big.json": bigDescription(3000),
  };
  // What is timed is what the tests check: the bomb refused, the 3000 operations indexed.
  const refused = (await timeLoad("https://h.test/bomb.yaml", bomb)).result.diagnostics;
  if (!refused.some((d) => /alias/i.test(d.message)))
    throw new Error(`the alias bomb was not refused: ${JSON.stringify(refused)}`);
  const indexed = (await timeLoad("https://h.test/root.yaml", big)).result.documents.get(
    "https://h.test/big.json",
  )?.operations?.all.length;
  if (indexed !== 3000) throw new Error(`indexed ${indexed} operations, not 3000`);
  return {
    aliasBombMs: await medianMs("https://h.test/bomb.yaml", bomb, runs),
    index3000Ms: await medianMs("https://h.test/root.yaml", big, runs),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(
    `${JSON.stringify(await measureArazzoParse({ runs: Number(process.env.BENCH_RUNS ?? 5) }), null, 2)}\n`,
  );
}
