import { describe, expect, it } from "vitest";
import { errorOf } from "./error-of.test-helper.js";
import { z } from "zod";
import { buildGraph } from "./graph.js";
import { resolveParams } from "./params.js";
import { step } from "./step.js";

const load = step("load", { params: { rows: z.number().int().default(10), seed: z.number() }, run: ({ params }) => params.rows });
const fit = step("fit", { inputs: { load }, params: { rate: z.number().positive().default(0.1), seed: z.number() }, run: ({ load }) => load });
const graph = buildGraph("p", [fit]);


describe("resolveParams", () => {
  it("applies defaults and gives each step only the params it declares", () => {
    const perNode = resolveParams(graph, { seed: 7 });
    expect(perNode[graph.byName.get("load")!.index]).toEqual({ rows: 10, seed: 7 });
    expect(perNode[graph.byName.get("fit")!.index]).toEqual({ rate: 0.1, seed: 7 });
  });

  it("rejects an unknown parameter and suggests the near one", () => {
    const error = errorOf(() => resolveParams(graph, { seed: 1, rowz: 5 }));
    expect(error.code).toBe("unknown-param");
    expect(error.message).toContain('"rowz"');
    expect(error.message).toContain('Did you mean "rows"');
  });

  it("rejects an invalid value with zod's message, naming the parameter and the step", () => {
    const error = errorOf(() => resolveParams(graph, { seed: 1, rate: -2 }));
    expect(error.code).toBe("invalid-param");
    expect(error.message).toContain('"rate"');
    expect(error.message).toContain('"fit"');
    expect(error.message.toLowerCase()).toContain(">0");
  });

  it("says a parameter without default is required", () => {
    const error = errorOf(() => resolveParams(graph, {}));
    expect(error.code).toBe("invalid-param");
    expect(error.message).toContain("required");
    expect((error.details?.problems as unknown[]).length).toBe(2);
  });
});
