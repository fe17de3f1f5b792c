// Compile-time checks of runFlow's params: typed by the child flow's params when its name is a FlowName
// (flowName<typeof child>), free-form with a plain string.
import { flowName, pipeline, runFlow, step } from "sluice";
import { z } from "zod";

const useKey = step("use-key", {
  params: { key: z.string(), times: z.number().default(1) },
  run: ({ params }) => params.key.repeat(params.times),
});
const child = pipeline("B", { steps: [useKey] });
const extract = step("extract", { run: () => ({ paramKey: "k" }) });

runFlow(flowName<typeof child>("B"), {
  inputs: { extract },
  params: ({ extract }) => ({ key: extract.paramKey }),
});
runFlow(flowName<typeof child>("B"), {
  inputs: { extract },
  // @ts-expect-error the child's `key` is a string
  params: ({ extract }) => ({ key: extract.paramKey.length }),
});
runFlow(flowName<typeof child>("B"), {
  // @ts-expect-error the child's `key` is required
  params: () => ({ times: 2 }),
});
// A plain name: any params.
runFlow("B", { inputs: { extract }, params: ({ extract }) => ({ anything: extract.paramKey }) });
