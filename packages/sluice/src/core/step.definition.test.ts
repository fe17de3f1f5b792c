import { describe, expect, it } from "vitest";
import { z } from "zod";
import { errorOf } from "../../../../test/support/error-of.js";
import { isStep, step } from "./step.js";

describe("step(): names", () => {
  it.each(["", "1load", "has space", "a/b", "ünïcode", "-dash", ".dot", "a:b"])(
    "rejects the name %j",
    (name) => {
      const error = errorOf(() => step(name, { run: () => 1 }));
      expect(error.code).toBe("invalid-pipeline");
      expect(error.message).toContain(JSON.stringify(name));
    },
  );

  it("rejects a name that is not a string", () => {
    expect(errorOf(() => step(42 as unknown as string, { run: () => 1 })).code).toBe(
      "invalid-pipeline",
    );
  });

  it.each(["load", "_private", "train.v2", "fit-model", "A1_b.c-d"])(
    "accepts the name %j",
    (name) => {
      const made = step(name, { run: () => 1 });
      expect(made.name).toBe(name);
      expect(made.definition.name).toBe(name);
      expect(made.kind).toBe("step");
      expect(isStep(made)).toBe(true);
    },
  );
});

describe("step(): options", () => {
  it("requires `run` to be a function", () => {
    for (const options of [{}, { run: 1 }, { run: "() => 1" }, null]) {
      const error = errorOf(() => step("s", options as never));
      expect(error.code).toBe("invalid-pipeline");
      expect(error.message).toContain("`run` must be a function");
      expect(error.step).toBe("s");
    }
  });

  it("fills defaults in the definition", () => {
    const made = step("s", { run: () => 1 });
    const def = made.definition;
    expect(def.inputs).toEqual([]);
    expect(def.outputs).toBeUndefined();
    expect(def.after).toEqual([]);
    expect(def.params).toEqual({});
    expect(def.paramNames).toEqual([]);
    expect(def.cache).toBe(true);
    expect(def.files).toEqual([]);
    expect(def.hasSchemas).toBe(false);
    expect(def.isAsync).toBe(false);
    expect(def.retry).toEqual({
      attempts: 1,
      backoff: "exponential",
      delayMs: 100,
      maxDelayMs: 30_000,
      jitter: true,
    });
  });

  it("knows an async body", () => {
    expect(step("s", { run: async () => 1 }).definition.isAsync).toBe(true);
    expect(
      step("t", {
        run: async function named() {
          return 1;
        },
      }).definition.isAsync,
    ).toBe(true);
  });

  it("normalizes inputs given by step, by field and by name", () => {
    const load = step("load", { run: () => ({ a: 1 }) });
    const byRef = step("byRef", {
      inputs: { raw: load, a: load.out("a") },
      run: ({ raw, a }) => raw.a + a,
    });
    expect(byRef.definition.inputs).toEqual([
      { name: "raw", kind: "ref", step: load },
      { name: "a", kind: "ref", step: load, field: "a" },
    ]);
    const byName = step("byName", { inputs: ["X"], run: ({ X }) => X });
    expect(byName.definition.inputs).toEqual([{ name: "X", kind: "name", outputName: "X" }]);
  });

  it("rejects inputs that are not steps or step outputs", () => {
    const error = errorOf(() =>
      step("s", { inputs: { raw: { kind: "step" } } as never, run: () => 1 }),
    );
    expect(error.code).toBe("invalid-pipeline");
    expect(error.message).toContain('input "raw"');
    expect(errorOf(() => step("s", { inputs: [""], run: () => 1 })).code).toBe("invalid-pipeline");
  });

  it("rejects `after` entries that are not steps", () => {
    const error = errorOf(() => step("s", { after: ["load"] as never, run: () => 1 }));
    expect(error.code).toBe("invalid-pipeline");
    expect(error.message).toContain("after[0]");
  });

  it("rejects params that are not zod schemas", () => {
    const error = errorOf(() => step("s", { params: { rows: 10 } as never, run: () => 1 }));
    expect(error.code).toBe("invalid-pipeline");
    expect(error.message).toContain('"rows"');
    expect(step("t", { params: { rows: z.number() }, run: () => 1 }).definition.paramNames).toEqual(
      ["rows"],
    );
  });

  it("rejects empty or repeated output names", () => {
    expect(errorOf(() => step("s", { outputs: [], run: () => 1 })).code).toBe("invalid-pipeline");
    expect(errorOf(() => step("s", { outputs: [""], run: () => 1 })).code).toBe("invalid-pipeline");
    const twice = errorOf(() => step("s", { outputs: ["a", "a"], run: () => 1 }));
    expect(twice.code).toBe("duplicate-output");
    expect(twice.message).toContain('"a"');
  });

  it("rejects a timeout that is not a positive number", () => {
    for (const timeoutMs of [0, -1, NaN, Infinity]) {
      expect(errorOf(() => step("s", { timeoutMs, run: () => 1 })).code).toBe("invalid-pipeline");
    }
    expect(step("s", { timeoutMs: 50, run: () => 1 }).definition.timeoutMs).toBe(50);
  });
});

describe("step(): retry", () => {
  it("takes a number as the number of attempts", () => {
    expect(step("s", { retry: 3, run: () => 1 }).definition.retry).toEqual({
      attempts: 3,
      backoff: "exponential",
      delayMs: 100,
      maxDelayMs: 30_000,
      jitter: true,
    });
  });

  it("keeps given retry options and fills the others", () => {
    const retry = step("s", {
      retry: { attempts: 4, backoff: "linear", delayMs: 5, jitter: false },
      run: () => 1,
    }).definition.retry;
    expect(retry).toEqual({
      attempts: 4,
      backoff: "linear",
      delayMs: 5,
      maxDelayMs: 30_000,
      jitter: false,
    });
  });

  it.each([0, 1.5, -1, NaN, Infinity])(
    "rejects %s attempts, as a number or in an object",
    (attempts) => {
      const short = errorOf(() => step("s", { retry: attempts, run: () => 1 }));
      expect(short.code).toBe("invalid-pipeline");
      expect(short.message).toContain("retry.attempts");
      expect(errorOf(() => step("s", { retry: { attempts }, run: () => 1 })).code).toBe(
        "invalid-pipeline",
      );
    },
  );

  it("rejects negative delays and unknown backoffs", () => {
    expect(
      errorOf(() => step("s", { retry: { attempts: 2, delayMs: -1 }, run: () => 1 })).code,
    ).toBe("invalid-pipeline");
    expect(
      errorOf(() => step("s", { retry: { attempts: 2, maxDelayMs: -5 }, run: () => 1 })).code,
    ).toBe("invalid-pipeline");
    expect(
      errorOf(() => step("s", { retry: { attempts: 2, backoff: "random" as never }, run: () => 1 }))
        .code,
    ).toBe("invalid-pipeline");
  });
});

describe("step(): fingerprint", () => {
  const fingerprint = (options: Parameters<typeof step>[1], name = "s") =>
    step(name, options).definition.fingerprint;

  it("is the same for the same source, whatever the step's name", () => {
    expect(fingerprint({ run: () => 1 }, "a")).toBe(fingerprint({ run: () => 1 }, "b"));
    expect(fingerprint({ run: () => 1 })).toMatch(/^[0-9a-f]{32}$/);
  });

  it("changes when the body's source changes", () => {
    expect(fingerprint({ run: () => 1 })).not.toBe(fingerprint({ run: () => 2 }));
  });

  it("changes when `version` changes", () => {
    const v1 = fingerprint({ version: "1", run: () => 1 });
    expect(v1).not.toBe(fingerprint({ version: "2", run: () => 1 }));
    expect(v1).not.toBe(fingerprint({ run: () => 1 }));
    expect(v1).toBe(fingerprint({ version: "1", run: () => 1 }));
  });

  it("changes with `when`, `onFailure` and the output names", () => {
    const base = fingerprint({ run: () => 1 });
    expect(fingerprint({ when: () => true, run: () => 1 })).not.toBe(base);
    expect(fingerprint({ onFailure: () => 0, run: () => 1 })).not.toBe(base);
    expect(fingerprint({ outputs: ["x"], run: () => 1 })).not.toBe(base);
  });
});

describe("step(): out()", () => {
  it("returns a reference to one field of the step's output", () => {
    const train = step("train", { run: () => ({ model: [1], loss: 0.1 }) });
    const ref = train.out("model");
    expect(ref.kind).toBe("output");
    expect(ref.step).toBe(train);
    expect(ref.field).toBe("model");
    expect(Object.isFrozen(ref)).toBe(true);
    expect(Object.isFrozen(train)).toBe(true);
  });

  it("needs a field name", () => {
    const train = step("train", { run: () => ({ model: 1 }) });
    expect(errorOf(() => train.out("" as never)).code).toBe("invalid-pipeline");
  });
});
