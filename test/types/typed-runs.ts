// Compile-time tests of typed runs, checked by `tsc -p test/types` in `npm run lint`: pipeline() infers
// the params a run takes from every step's zod schemas (upstream steps included) and the outputs of the
// final steps by name. Each @ts-expect-error must be an error; nothing here runs.
import { map, optional, pipeline, secret, step, type PipelineParams, type RunResult } from "sluice";
import { z } from "zod";

type Equal<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

const load = step("load", {
  params: { rows: z.number().int().default(100), source: z.string() },
  run: ({ params }) =>
    Array.from({ length: params.rows }, (_, i) => ({ id: i, source: params.source })),
});
const audit = step("audit", { params: { auditor: z.string().optional() }, run: () => "ok" });
const clean = step("clean", {
  inputs: { load },
  after: [audit],
  params: { dropNulls: z.boolean().default(true) },
  run: ({ load }) => load.map((row) => row.id),
});
const stats = step("stats", {
  inputs: { ids: clean },
  params: { token: secret(z.string()).optional() },
  run: ({ ids }) => ({ n: ids.length, max: Math.max(...ids) }),
});
const label = step("label", {
  params: { prefix: z.enum(["a", "b"]).default("a") },
  run: ({ params }) => `${params.prefix}-label`,
});

const flow = pipeline("typed", { steps: [stats, label] });

// ---- params: every step's, upstream and `after` ones included; defaults and optional() make a key optional.
type FlowParams = PipelineParams<readonly [typeof stats, typeof label]>;
type _params = Expect<
  Equal<
    FlowParams,
    {
      rows?: number;
      source: string;
      auditor?: string | undefined;
      dropNulls?: boolean;
      token?: string | undefined;
      prefix?: "a" | "b";
    }
  >
>;

async function runs(): Promise<void> {
  const result = await flow.run({ params: { source: "s3://bucket", rows: 10 } });
  // ---- outputs: the final steps' outputs by name, each possibly absent (a failed or skipped step).
  type _stats = Expect<Equal<typeof result.outputs.stats, { n: number; max: number } | undefined>>;
  type _label = Expect<Equal<typeof result.outputs.label, string | undefined>>;
  const n: number | undefined = result.outputs.stats?.n;
  void n;
  // Other steps' outputs are there too, untyped.
  const loaded: unknown = result.outputs.load;
  void loaded;
  const typedResult: RunResult<{ stats: { n: number; max: number }; label: string }> = result;
  void typedResult;

  // @ts-expect-error: rows is a number.
  await flow.run({ params: { source: "x", rows: "10" } });
  // @ts-expect-error: no step declares "rowz".
  await flow.run({ params: { source: "x", rowz: 10 } });
  // @ts-expect-error: prefix is "a" or "b".
  await flow.preview({ params: { source: "x", prefix: "c" } });
  // @ts-expect-error: a parameter set is checked the same way.
  await flow.runMany({ small: { source: "x", rows: 1 }, bad: { source: 1 } });

  // pipeline.output(step) is typed by the step.
  const stored = await flow.output(stats, { params: { source: "x" } });
  type _stored = Expect<Equal<typeof stored, { n: number; max: number }>>;
}
void runs;

// ---- a map step passes its upstream's params on; optional() and .out() do too.
const docs = step("docs", { params: { corpus: z.string() }, run: ({ params }) => [params.corpus] });
const scores = map("scores", {
  over: docs,
  params: { model: z.string().default("small") },
  run: ({ item }) => item.length,
});
const summary = step("summary", {
  inputs: { scores: scores.out("successes"), extra: optional(label) },
  run: ({ scores }) => scores,
});
type _mapParams = Expect<
  Equal<
    PipelineParams<readonly [typeof summary]>,
    { corpus: string; model?: string; prefix?: "a" | "b" }
  >
>;

// ---- inputs wired by output name cannot be followed at compile time: any params are allowed.
const byName = step("byName", { inputs: ["X_train"], run: () => 1 });
const open = pipeline("open", { steps: [byName] });
void open.run({ params: { anything: 1 } });

// ---- a pipeline of steps without params takes none.
const plain = pipeline("plain", { steps: [step("one", { run: () => 1 })] });
// @ts-expect-error: no step of "plain" declares a parameter.
void plain.run({ params: { n: 1 } });
