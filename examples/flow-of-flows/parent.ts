// The flow of flows: A, then B (with the key A produced) and C side by side, then D. Each runFlow step
// starts a run of that flow (linked to this one), waits for it and takes on its outcome.
import { pipeline, runFlow } from "sluice";

const a = runFlow("A");
const b = runFlow("B", {
  inputs: { a },
  params: ({ a }) => ({ key: (a.outputs.extract as { paramKey: string }).paramKey }),
});
const c = runFlow("C", { after: [a] });
const d = runFlow("D", { after: [b, c] });

export default pipeline("parent-flow", { steps: [d] });
