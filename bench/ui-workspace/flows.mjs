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

// "ticker": waits TICKER_START_MS (default 2000), then a chain of `steps` steps of 10 ms each: about 100 steps (200 step
// events) a second for a run page to follow.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ticks = [];
ticks.push(
  step("wait", { cache: false, run: () => sleep(Number(process.env.TICKER_START_MS ?? 2000)) }),
);
for (let i = 1; i <= 300; i++)
  ticks.push(
    step(`tick${i}`, { inputs: { previous: ticks[i - 1] }, cache: false, run: () => sleep(10) }),
  );
export const ticker = pipeline("ticker", { steps: [ticks[ticks.length - 1]] });
