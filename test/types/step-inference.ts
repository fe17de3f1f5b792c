// Compile-time tests, checked by `tsc -p test/types` in `npm run lint`: each @ts-expect-error must be an
// error, and every other line must compile. Nothing here runs.
import { pipeline, step, type Step } from "sluice";
import { z } from "zod";

const raw = step("raw", {
  params: { rows: z.number().int().default(100), label: z.string().optional() },
  run: ({ params }) => {
    const rows: number = params.rows; // defaults make it a number, not number | undefined
    const label: string | undefined = params.label;
    return Array.from({ length: rows }, (_, i) => ({ id: i, ok: i % 2 === 0, label }));
  },
});

// Inputs take their type from the upstream step's return type.
const clean = step("clean", {
  inputs: { raw },
  run: ({ raw }) => raw.filter((row) => row.ok).map((row) => row.id),
});
const cleanIsNumbers: Step<number[]> = clean;

const stats = step("stats", {
  inputs: { rows: clean },
  retry: { attempts: 3, backoff: "exponential", delayMs: 50 },
  when: ({ rows }) => rows.length > 0,
  onFailure: () => ({ mean: 0 }),
  run: ({ rows }, ctx) => {
    const attempt: number = ctx.attempt;
    const signal: AbortSignal = ctx.signal;
    ctx.log(`attempt ${attempt} ${signal.aborted}`);
    return { mean: rows.reduce((a, b) => a + b, 0) / rows.length };
  },
});

// A field of an object output, typed.
const train = step("train", {
  inputs: { rows: clean },
  run: ({ rows }) => ({ model: { weights: rows.map((r) => r * 2) }, loss: 0.1 }),
});
const evaluate = step("evaluate", {
  inputs: { model: train.out("model"), loss: train.out("loss") },
  run: ({ model, loss }) => {
    const weights: number[] = model.weights;
    const l: number = loss;
    return weights.length + l;
  },
});

// @ts-expect-error: train's output has no field "nope".
train.out("nope");

step("wrong-type", {
  inputs: { xs: clean },
  // @ts-expect-error: clean gives number[], this body wants string[].
  run: ({ xs }: { xs: string[] }) => xs.join(","),
});

step("wrong-field-type", {
  inputs: { loss: train.out("loss") },
  // @ts-expect-error: loss is a number, not a string.
  run: ({ loss }: { loss: string }) => loss.toUpperCase(),
});

step("wrong-fallback", {
  inputs: { rows: clean },
  // @ts-expect-error: the fallback must have the body's type ({ mean: number }).
  onFailure: () => "zero",
  run: ({ rows }) => ({ mean: rows.length }),
});

step("reads-missing-input", {
  inputs: { rows: clean },
  // @ts-expect-error: there is no input named "other".
  run: ({ other }) => other,
});

step("param-typed", {
  params: { rate: z.number() },
  // @ts-expect-error: rate is a number, it has no toUpperCase.
  run: ({ params }) => params.rate.toUpperCase(),
});

// Name-based wiring: schemas type the inputs; names without schemas are untyped.
const named = step("named", {
  inputs: ["X_train", "y_train"],
  outputs: ["model"],
  schemas: { X_train: z.array(z.array(z.number())) },
  run: ({ X_train, y_train }) => {
    const first: number[] | undefined = X_train[0];
    const anything: unknown = y_train;
    return { first, anything };
  },
});

// `after` takes steps.
const publish = step("publish", { after: [evaluate, named], inputs: { stats }, run: ({ stats }) => stats.mean });
const publishIsNumber: Step<number> = publish;

export default pipeline("types", { steps: [publish], concurrency: 2 });
export { cleanIsNumbers, publishIsNumber };
