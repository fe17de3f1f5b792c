import { describe, expect, it } from "vitest";
import { z } from "zod";
import { errorOf } from "../../../../test/support/error-of.js";
import { buildGraph } from "./graph.js";
import { resolveParams } from "./params.js";
import { step } from "./step.js";

const load = step("load", {
  params: { rows: z.number().int().default(10), seed: z.number() },
  run: ({ params }) => params.rows,
});
const fit = step("fit", {
  inputs: { load },
  params: { rate: z.number().positive().default(0.1), seed: z.number() },
  run: ({ load }) => load,
});
const report = step("report", { inputs: { fit }, run: ({ fit }) => fit });
const graph = buildGraph("p", [report]);
const index = (name: string) => graph.byName.get(name)!.index;

interface Problem {
  code: string;
  param: string;
  step?: string;
  message: string;
}
const problemsOf = (error: { details?: Record<string, unknown> }) =>
  error.details?.problems as Problem[];

describe("resolveParams", () => {
  it("applies defaults and gives each step only the params it declares", () => {
    const perNode = resolveParams(graph, { seed: 7 });
    expect(perNode).toHaveLength(3);
    expect(perNode[index("load")]).toEqual({ rows: 10, seed: 7 });
    expect(perNode[index("fit")]).toEqual({ rate: 0.1, seed: 7 });
    expect(perNode[index("report")]).toEqual({});
  });

  it("refuses __proto__, constructor and prototype keys at any depth, and params whose prototype one of them bent", () => {
    for (const given of [
      JSON.parse('{"seed":1,"__proto__":{"rows":7}}'),
      { seed: 1, rows: JSON.parse('{"constructor":{}}') },
      Object.assign({}, JSON.parse('{"__proto__":{"seed":7}}')),
    ]) {
      expect(errorOf(() => resolveParams(graph, given))).toMatchObject({
        code: "invalid-param",
        message: expect.stringContaining("is not allowed"),
      });
    }
    // A value inherited through a prototype is never read as a param.
    const bent = Object.create({ rows: 7 }) as Record<string, unknown>;
    bent.seed = 1;
    expect(errorOf(() => resolveParams(graph, bent)).code).toBe("invalid-param");
  });

  it("uses given values over defaults, parsed by the schema", () => {
    const coerced = step("coerced", {
      params: {
        n: z.coerce.number().default(1),
        tag: z.string().transform((s) => s.toUpperCase()),
      },
      run: () => 1,
    });
    const perNode = resolveParams(buildGraph("q", [coerced]), { n: "5", tag: "abc" });
    expect(perNode[0]).toEqual({ n: 5, tag: "ABC" });
    expect(resolveParams(graph, { seed: 1, rows: 3, rate: 2 })[index("load")]).toEqual({
      rows: 3,
      seed: 1,
    });
  });

  it("rejects an unknown parameter and suggests the near one", () => {
    const error = errorOf(() => resolveParams(graph, { seed: 1, rowz: 5 }));
    expect(error.code).toBe("unknown-param");
    expect(error.message).toContain('"rowz"');
    expect(error.message).toContain('Did you mean "rows"');
    expect(error.details?.param).toBe("rowz");
  });

  it("rejects an unknown parameter without a suggestion when nothing is near", () => {
    const error = errorOf(() => resolveParams(graph, { seed: 1, temperature: 5 }));
    expect(error.code).toBe("unknown-param");
    expect(error.message).not.toContain("Did you mean");
    expect(error.message).toContain("rows");
  });

  it("rejects a value of the wrong type with zod's message, naming the parameter and the step", () => {
    const zodMessage = z.number().positive().safeParse("fast").error!.issues[0]!.message;
    const error = errorOf(() => resolveParams(graph, { seed: 1, rate: "fast" }));
    expect(error.code).toBe("invalid-param");
    expect(error.message).toContain('"rate"');
    expect(error.message).toContain('"fit"');
    expect(error.message).toContain(zodMessage);
    expect(error.step).toBe("fit");
    expect(error.details?.param).toBe("rate");
  });

  it("rejects a value that fails a refinement with zod's message", () => {
    const zodMessage = z.number().positive().safeParse(-2).error!.issues[0]!.message;
    const error = errorOf(() => resolveParams(graph, { seed: 1, rate: -2 }));
    expect(error.code).toBe("invalid-param");
    expect(error.message).toContain(zodMessage);
  });

  it("says a parameter without default is required", () => {
    const only = step("only", { params: { token: z.string() }, run: () => 1 });
    const error = errorOf(() => resolveParams(buildGraph("q", [only]), {}));
    expect(error.code).toBe("invalid-param");
    expect(error.message).toContain('"token"');
    expect(error.message).toContain("required");
    expect(problemsOf(error)).toHaveLength(1);
  });

  it("reports every problem in one error", () => {
    const error = errorOf(() =>
      resolveParams(graph, { seed: 1, rowz: 5, rate: "fast", rows: 1.5 }),
    );
    const problems = problemsOf(error);
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => [p.code, p.param]).sort()).toEqual([
      ["invalid-param", "rate"],
      ["invalid-param", "rows"],
      ["unknown-param", "rowz"],
    ]);
    expect(problems.find((p) => p.param === "rows")!.step).toBe("load");
    expect(error.message).toContain("3 parameter problems");
    for (const problem of problems) expect(error.message).toContain(problem.message);
  });

  it("validates only the given nodes' values but still rejects unknown names", () => {
    const loadNode = graph.byName.get("load")!;
    const perNode = resolveParams(graph, { seed: 2 }, [loadNode]);
    expect(perNode[loadNode.index]).toEqual({ rows: 10, seed: 2 });
    expect(perNode[index("fit")]).toEqual({});
    expect(() => resolveParams(graph, { seed: 2, rate: -1 }, [loadNode])).not.toThrow();
    expect(errorOf(() => resolveParams(graph, { seed: 2, nope: 1 }, [loadNode])).code).toBe(
      "unknown-param",
    );
  });
});
