// The flows of bench/flows.mjs: "child" (one step, a param so that each run does work) and "parent",
// whose runFlow step starts a child with the parent's param.
import { z } from "zod";
import { pipeline, runFlow, step } from "sluice";

const work = step("work", { params: { n: z.number() }, run: ({ params }) => params.n * 2 });
export const child = pipeline("child", { steps: [work] });

const seed = step("seed", { params: { n: z.number() }, run: ({ params }) => params.n });
const start = runFlow("child", { inputs: { seed }, params: ({ seed }) => ({ n: seed }) });
export const parent = pipeline("parent", { steps: [start] });
