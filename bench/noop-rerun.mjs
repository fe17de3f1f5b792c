// Times, inside one process, a second run of a workload whose steps are all complete (in-memory store),
// and a preview of it. Prints JSON: { rerunMs, previewMs }.
import { memoryStores } from "sluice";

const pipeline = (await import("./workload.mjs")).default;
const stores = memoryStores();
const first = await pipeline.run({ stores });
if (!first.success) throw new Error(`first run failed: ${first.status}`);
let started = performance.now();
const preview = await pipeline.preview({ stores });
const previewMs = performance.now() - started;
started = performance.now();
const rerun = await pipeline.run({ stores });
const rerunMs = performance.now() - started;
if (rerun.summary().ran.length !== 0 || preview.steps.some((s) => s.status !== "complete"))
  throw new Error("rerun was not a no-op");
process.stdout.write(JSON.stringify({ rerunMs, previewMs }));
