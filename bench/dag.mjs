// The benchmark graphs, as plain data: step names and, for each step, the indexes of the steps it
// reads. bench/workload.mjs builds sluice steps from it and bench/peers.mjs hands the same graph (as
// JSON) to dask and doit, so every tool runs the same DAG.
//   w1: a chain of N steps; w2: one root, N-2 independent, one join;
//   w3: 10 layers of N/10 steps, each reading two seeded-random steps of the layer before.

/** Mulberry32: a small seeded PRNG, so every run builds the same graph. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function chain(n) {
  const names = Array.from({ length: n }, (_, i) => `s${i}`);
  const deps = names.map((_, i) => (i === 0 ? [] : [i - 1]));
  return { names, deps };
}

function fanOutIn(n) {
  const names = ["root", ...Array.from({ length: n - 2 }, (_, i) => `m${i}`), "join"];
  const deps = names.map((_, i) =>
    i === 0 ? [] : i === n - 1 ? Array.from({ length: n - 2 }, (_, j) => j + 1) : [0],
  );
  return { names, deps };
}

function layers(n) {
  const next = random(42);
  const width = Math.max(1, Math.floor(n / 10));
  const names = [];
  const deps = [];
  for (let layer = 0; layer < 10; layer++) {
    const start = (layer - 1) * width;
    for (let i = 0; i < width; i++) {
      names.push(`l${layer}_${i}`);
      if (layer === 0) deps.push([]);
      else deps.push([start + Math.floor(next() * width), start + Math.floor(next() * width)]);
    }
  }
  return { names, deps };
}

/** The graph of `workload` (w1, w2, w3) with about `n` steps; `sinks` are the steps nothing reads. */
export function dagOf(workload, n) {
  const build = { w1: chain, w2: fanOutIn, w3: layers }[workload];
  if (!build) throw new Error(`the workload must be w1, w2 or w3, got ${workload}`);
  const { names, deps } = build(n);
  const read = new Set(deps.flat());
  const sinks = names.map((_, i) => i).filter((i) => !read.has(i));
  return { names, deps, sinks };
}
