// The smallest TypeScript pipeline: one step, body `() => 1` (bench/startup.mjs times it in memory).
import { pipeline, step } from "sluice";

const one = step("one", { run: (): number => 1 });

export default pipeline("one-step", { steps: [one] });
