// Compile-time tests, checked by `tsc -p test/types` in `npm run lint`: each @ts-expect-error must be an
// error, and every other line must compile. Nothing here runs. "sluice" resolves to the built dist.
import {
  optional as optionalInput,
  pipeline,
  step,
  type OutputRef,
  type ParamsOf,
  type Step,
} from "sluice";
import { z } from "zod";

/** Exact type equality (tells `any` and `unknown` apart from everything else). */
type Equal<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
/** Compiles only when T is `true`. */
type Expect<T extends true> = T;
/** The output type carried by a step. */
type OutputOf<S> = S extends Step<infer T> ? T : never;

// ---- params: typed from the zod shape; defaults make the value required.
const raw = step("raw", {
  params: {
    rows: z.number().int().default(100),
    label: z.string().optional(),
    mode: z.enum(["a", "b"]).default("a"),
  },
  run: ({ params }) => {
    const rows: number = params.rows; // defaults make it a number, not number | undefined
    const label: string | undefined = params.label;
    type _rows = Expect<Equal<typeof params.rows, number>>;
    type _label = Expect<Equal<typeof params.label, string | undefined>>;
    type _mode = Expect<Equal<typeof params.mode, "a" | "b">>;
    // @ts-expect-error: label may be undefined, it is not a string.
    const notString: string = params.label;
    void notString;
    return Array.from({ length: rows }, (_, i) => ({ id: i, ok: i % 2 === 0, label }));
  },
});
type _raw = Expect<
  Equal<OutputOf<typeof raw>, Array<{ id: number; ok: boolean; label: string | undefined }>>
>;

step("param-typed", {
  params: { rate: z.number() },
  // @ts-expect-error: rate is a number, it has no toUpperCase.
  run: ({ params }) => params.rate.toUpperCase(),
});

step("param-undeclared", {
  params: { rate: z.number() },
  // @ts-expect-error: the step declares no parameter "seed".
  run: ({ params }) => params.seed,
});

// ---- inputs: typed from the upstream step's return type.
const clean = step("clean", {
  inputs: { raw },
  run: ({ raw }) => {
    type _input = Expect<
      Equal<typeof raw, Array<{ id: number; ok: boolean; label: string | undefined }>>
    >;
    return raw.filter((row) => row.ok).map((row) => row.id);
  },
});
const cleanIsNumbers: Step<number[]> = clean;
type _clean = Expect<Equal<OutputOf<typeof clean>, number[]>>;

// An async body's output is the awaited value.
const fetched = step("fetched", { run: async () => ({ status: 200 }) });
type _fetched = Expect<Equal<OutputOf<typeof fetched>, { status: number }>>;
step("reads-async", {
  inputs: { fetched },
  run: ({ fetched }) => {
    const status: number = fetched.status;
    return status;
  },
});

// @ts-expect-error: a Step<number[]> is not a Step<string[]>.
const notStrings: Step<string[]> = clean;
void notStrings;

step("wrong-type", {
  inputs: { xs: clean },
  // @ts-expect-error: clean gives number[], this body wants string[].
  run: ({ xs }: { xs: string[] }) => xs.join(","),
});

step("reads-missing-input", {
  inputs: { rows: clean },
  // @ts-expect-error: there is no input named "other".
  run: ({ other }) => other,
});

// ---- when, onFailure, retry, context.
const stats = step("stats", {
  inputs: { rows: clean },
  retry: { attempts: 3, backoff: "exponential", delayMs: 50 },
  when: ({ rows }) => {
    type _when = Expect<Equal<typeof rows, number[]>>;
    return rows.length > 0;
  },
  onFailure: () => ({ mean: 0 }),
  run: ({ rows }, ctx) => {
    const attempt: number = ctx.attempt;
    const signal: AbortSignal = ctx.signal;
    ctx.log(`attempt ${attempt} ${signal.aborted}`);
    return { mean: rows.reduce((a, b) => a + b, 0) / rows.length };
  },
});
type _stats = Expect<Equal<OutputOf<typeof stats>, { mean: number }>>;

step("when-wrong-input", {
  inputs: { rows: clean },
  // @ts-expect-error: rows is number[]; it has no "toUpperCase".
  when: ({ rows }) => rows.toUpperCase() === "",
  run: ({ rows }) => rows.length,
});

step("when-missing-input", {
  inputs: { rows: clean },
  // @ts-expect-error: there is no input named "other".
  when: ({ other }) => other > 0,
  run: ({ rows }) => rows.length,
});

step("wrong-fallback", {
  inputs: { rows: clean },
  // @ts-expect-error: the fallback must have the body's type ({ mean: number }).
  onFailure: () => "zero",
  run: ({ rows }) => ({ mean: rows.length }),
});

step("async-fallback", {
  inputs: { rows: clean },
  onFailure: async (_args, error) => ({ mean: error.code.length }),
  run: async ({ rows }) => ({ mean: rows.length }),
});

step("retry-wrong-backoff", {
  // @ts-expect-error: "random" is not a backoff.
  retry: { attempts: 2, backoff: "random" },
  run: () => 1,
});

// ---- .out(field): typed as that field's type.
const train = step("train", {
  inputs: { rows: clean },
  run: ({ rows }) => ({ model: { weights: rows.map((r) => r * 2) }, loss: 0.1 }),
});
const modelRef = train.out("model");
type _modelRef = Expect<
  Equal<typeof modelRef, OutputRef<{ weights: number[] }, ParamsOf<typeof train>>>
>;
// @ts-expect-error: the field is { weights: number[] }, not a number.
const wrongRef: OutputRef<number> = train.out("model");
void wrongRef;
const evaluate = step("evaluate", {
  inputs: { model: train.out("model"), loss: train.out("loss") },
  run: ({ model, loss }) => {
    type _model = Expect<Equal<typeof model, { weights: number[] }>>;
    type _loss = Expect<Equal<typeof loss, number>>;
    const weights: number[] = model.weights;
    const l: number = loss;
    return weights.length + l;
  },
});

// @ts-expect-error: train's output has no field "nope".
train.out("nope");

step("wrong-field-type", {
  inputs: { loss: train.out("loss") },
  // @ts-expect-error: loss is a number, not a string.
  run: ({ loss }: { loss: string }) => loss.toUpperCase(),
});

// ---- name-based wiring: schemas type the inputs; names without schemas are untyped.
const fitX = step("fitX", {
  inputs: ["X"],
  schemas: { X: z.array(z.number()) },
  run: ({ X }) => {
    type _X = Expect<Equal<typeof X, number[]>>;
    const xs: number[] = X;
    // @ts-expect-error: X is number[], not string[].
    const strings: string[] = X;
    void strings;
    return xs.length;
  },
});
type _fitX = Expect<Equal<OutputOf<typeof fitX>, number>>;

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

step("named-missing", {
  inputs: ["X"],
  // @ts-expect-error: the step lists no input "Y".
  run: ({ Y }) => Y,
});

// ---- after: takes steps, not names.
const publish = step("publish", {
  after: [evaluate, named],
  inputs: { stats },
  run: ({ stats }) => stats.mean,
});
const publishIsNumber: Step<number> = publish;

// @ts-expect-error: after takes step objects, not names.
step("after-names", { after: ["evaluate"], run: () => 1 });

// ---- run is required.
// @ts-expect-error: a step needs a body.
step("no-body", { inputs: { clean } });

export default pipeline("types", { steps: [publish, fitX], concurrency: 2 });
export { cleanIsNumbers, publishIsNumber, modelRef };

// optional(): the consumer sees the input as possibly undefined.
{
  const maybe = step("maybe", { run: () => [1, 2] });
  step("consumer", {
    inputs: { maybe: optionalInput(maybe) },
    run: ({ maybe }) => {
      const list: number[] | undefined = maybe;
      // @ts-expect-error an optional input may be undefined
      const strict: number[] = maybe;
      return [list, strict];
    },
  });
}
