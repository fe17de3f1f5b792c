// Four flows of project "examples", each owned by another team: A extracts a key, B and C use it or
// crunch numbers, D publishes. Each is an ordinary pipeline; parent.ts runs them as a flow of flows.
import { z } from "zod";
import { pipeline, step } from "sluice";

const extract = step("extract", { run: () => ({ paramKey: "some-random-piece-of-data" }) });
export const A = pipeline("A", { steps: [extract] });

const useKey = step("use-key", {
  params: { key: z.string() },
  run: ({ params }, ctx) => {
    ctx.log(`B got the key "${params.key}"`);
    return params.key.length;
  },
});
export const B = pipeline("B", { steps: [useKey] });

const crunch = step("crunch", { run: () => [1, 2, 3, 4].reduce((sum, n) => sum + n * n, 0) });
export const C = pipeline("C", { steps: [crunch] });

const publish = step("publish", {
  run: (_args, ctx) =>
    `published${ctx.scheduledAt ? ` for the ${ctx.scheduledAt.toISOString()} tick` : ""}`,
});
export const D = pipeline("D", { steps: [publish] });
