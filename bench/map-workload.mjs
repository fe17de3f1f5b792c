// The map benchmark's pipeline: one list of SLUICE_BENCH_ITEMS numbers, a map with a trivial body.
import { map, pipeline, step } from "sluice";

const n = Number(process.env.SLUICE_BENCH_ITEMS ?? 1000);
const items = step("items", { run: () => Array.from({ length: n }, (_, i) => i) });
const doubled = map("doubled", { over: items, concurrency: 8, run: ({ item }) => item * 2 });

export default pipeline("bench-map", { steps: [doubled] });
