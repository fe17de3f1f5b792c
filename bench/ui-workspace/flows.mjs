// The flows of bench/ui.mjs: W3 (10 layers, two seeded-random parents each; bench/dag.mjs) at 100 and
// 10000 steps, whose graph pages the benchmark opens.
import { pipeline, step } from "sluice";
import { dagOf } from "../dag.mjs";

function w3(n) {
  const dag = dagOf("w3", n);
  const steps = [];
  dag.names.forEach((name, index) => {
    const inputs = Object.fromEntries(dag.deps[index].map((dep) => [`i${dep}`, steps[dep]]));
    steps.push(step(name, { inputs, run: () => 1 }));
  });
  return pipeline(`w3-${n}`, { steps: dag.sinks.map((index) => steps[index]) });
}

export const small = w3(100);
export const large = w3(10000);
