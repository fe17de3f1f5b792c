import type { z } from "zod";
import type { SluiceError } from "./errors.js";
import { checkConcurrencyLimit, type ConcurrencyLimit } from "./concurrency-limit.js";
import { normalizeRetry } from "./retry-options.js";
import { SluiceError as Err } from "./errors.js";
import { sha256 } from "./hash.js";
import { declaringFolder, resolveFiles } from "./declaring-module.js";
import type { LogLevel } from "./vocabulary.js";
import type { DeriveColumns } from "./dataset-columns.js";

/** Phantom key carrying a step's output type; it never exists at run time. */
declare const outputType: unique symbol;
declare const paramsType: unique symbol;

/** Parameters a step declares: zod schemas by name, filled from the run's params. */
export type ParamShape = Record<string, z.ZodType>;
/** Optional zod schemas by input or output name, checked where two steps connect. */
export type SchemaShape = Record<string, z.ZodType>;
export type ParamValues<P> = { [K in keyof P]: P[K] extends z.ZodType ? z.output<P[K]> : never };

/**
 * The parameters a run passes for a params shape: typed by the zod schemas; a key whose schema accepts
 * `undefined` (`.optional()`, `.default(...)`) may be left out.
 */
export type RunParams<P> = Simplify<
  { [K in keyof P as undefined extends InputOf<P[K]> ? K : never]?: InputOf<P[K]> } & {
    [K in keyof P as undefined extends InputOf<P[K]> ? never : K]: InputOf<P[K]>;
  }
>;
type InputOf<T> = T extends z.ZodType ? z.input<T> : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (
  intersection: infer I,
) => void
  ? I
  : never;

/** The run parameters a source's step and everything upstream of it declare (a type only). */
export type ParamsOf<X> = X extends Source<unknown, infer Params> ? Params : {};
/** Params of the steps behind inputs; inputs wired by name cannot be followed, so any params are allowed. */
type UpstreamParams<I> = I extends readonly string[]
  ? Record<string, unknown>
  : UnionToIntersection<{ [K in keyof I]: ParamsOf<I[K]> }[keyof I]>;
/** What a step's run takes: its own params and those of every step upstream of it. */
export type StepRunParams<P, I, A extends readonly AnyStep[]> = Simplify<
  RunParams<P> & UpstreamParams<I> & UnionToIntersection<ParamsOf<A[number]>>
>;

/** Something that can feed a step input: a whole step's output, or one field of it (`step.out("x")`). */
export interface Source<T, Params = {}> {
  readonly kind: "step" | "output" | "optional";
  readonly [outputType]?: T;
  readonly [paramsType]?: Params;
}

/** One field of a step's output, made by `step.out(field)`. */
export interface OutputRef<T, Params = {}> extends Source<T, Params> {
  readonly kind: "output";
  readonly step: AnyStep;
  readonly field: string;
}

/** An input that may be absent: made by `optional(source)`. */
export interface OptionalInput<T, Params = {}> extends Source<T | undefined, Params> {
  readonly kind: "optional";
  readonly source: AnyStep | OutputRef<unknown>;
}

/**
 * Marks an input as optional: when its step is skipped by a condition (`when`), this step still runs
 * and gets `undefined` for it, instead of being skipped too. A failed upstream still skips it.
 * @example inputs: { base: clean, extra: optional(enrich) }
 */
export function optional<T, Params>(source: Source<T, Params>): Source<T | undefined, Params> {
  const inner = source as unknown as AnyStep | OutputRef<unknown>;
  if (!isStep(inner) && (inner as Partial<OutputRef<unknown>>)?.kind !== "output") {
    throw new Err(
      "invalid-pipeline",
      'optional() takes a step or a step output (optional(enrich), optional(enrich.out("rows"))).',
    );
  }
  const wrapped: OptionalInput<T, Params> = { kind: "optional", source: inner };
  return wrapped;
}

/** A step: a unit of work with typed inputs, outputs and parameters. Made by `step()`. */
export interface Step<Out = unknown, Params = {}, Name extends string = string> extends Source<
  Out,
  Params
> {
  readonly kind: "step";
  readonly name: Name;
  /** The normalized, untyped definition the planner and engine work with. */
  readonly definition: StepDefinition;
  /** One field of this step's output, for a consumer: `inputs: { model: train.out("model") }`. */
  out<K extends keyof Out & string>(field: K): OutputRef<Out[K], Params>;
}

// `any` here is deliberate: a step of any output and params may stand where "some step" is asked for.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStep = Step<any, any>;

/** Inputs by key from steps (typed), or by output name as in flowyml (`["X_train"]`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type InputSpec = { readonly [name: string]: Source<any, any> } | readonly string[];

type InputValues<I, S> = I extends readonly string[]
  ? // eslint-disable-next-line @typescript-eslint/no-explicit-any
    { [K in I[number]]: K extends keyof S ? z.output<S[K]> : any }
  : { [K in keyof I]: I[K] extends Source<infer T> ? T : never };

/** What a step's `run`, `when` and `onFailure` receive first: its inputs by name, and `params`. */
export type StepArgs<I, P, S = {}> = InputValues<I, S> & { params: ParamValues<P> };

export interface StepLogger {
  (message: string, data?: unknown): void;
  debug(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
}

/** The second argument of a step body. */
export interface StepContext {
  readonly runId: string;
  readonly step: string;
  /** 1 on the first execution, 2 on the first retry, ... */
  readonly attempt: number;
  /** Aborted when the run is cancelled or this attempt times out; pass it to fetch and long loops. */
  readonly signal: AbortSignal;
  readonly log: StepLogger;
  /** Records a numeric metric of this step in this run (`sluice runs --metrics`, `sluice compare`); the last value of a name wins. */
  metric(name: string, value: number): void;
  /** The absolute path of each file the step declares in `files:`, by the path as declared. */
  readonly files: Readonly<Record<string, string>>;
  /** In a run a schedule started: the tick it was fired for (not when it started). */
  readonly scheduledAt?: Date;
}

export interface RetryOptions {
  /** How many times the body may run in all (3 = one try and two retries). @defaultValue 1 */
  attempts: number;
  /** How the delay grows between attempts. @defaultValue "exponential" */
  backoff?: "exponential" | "linear" | "fixed";
  /** The first delay. @defaultValue 100 */
  delayMs?: number;
  /** No delay is longer than this. @defaultValue 30000 */
  maxDelayMs?: number;
  /** Randomize each delay between half and all of it, so retries of many steps spread out. @defaultValue true */
  jitter?: boolean;
}

export type NormalizedRetry = Required<RetryOptions>;

/** How to store a value that is not plain JSON (a model object, say): turn it into JSON or bytes and back. */
export interface Serializer<T> {
  encode(value: T): unknown;
  decode(stored: unknown): T;
}

export interface StepOptions<
  P extends ParamShape,
  I extends InputSpec,
  S extends SchemaShape,
  R,
  A extends readonly AnyStep[] = readonly AnyStep[],
> {
  /** Parameters by name (zod schemas); write before `run` so their types flow into it. */
  params?: P;
  /** Upstream steps by key (`{ raw }`, `{ model: train.out("model") }`) or output names (`["X_train"]`). */
  inputs?: I;
  /** Output names for name-based wiring; with one name the return value is that output. */
  outputs?: readonly string[];
  /** zod schemas by input/output name, checked where two steps connect and on produced values. */
  schemas?: S;
  /** Steps that must finish first although no data flows from them. */
  after?: A;
  /** false: the step is skipped (reason `condition-false`), and so are steps that consume its output. */
  when?: (args: StepArgs<I, P, S>, ctx: StepContext) => boolean | Promise<boolean>;
  /** A fallback value once the last attempt failed; the step then succeeds, flagged `fallback`. */
  onFailure?: (
    args: StepArgs<I, P, S>,
    error: SluiceError,
    ctx: StepContext,
  ) => NoInfer<Awaited<R>> | Promise<NoInfer<Awaited<R>>>;
  /** The body. Its return value is the step's output. */
  run: (args: StepArgs<I, P, S>, ctx: StepContext) => R;
  /** Attempts and backoff, or just the number of attempts. */
  retry?: number | RetryOptions;
  /** Per attempt. On the main thread a synchronous body cannot be interrupted; see the README. */
  timeoutMs?: number;
  /** Part of the code fingerprint: bump it when code the body calls (helpers, libraries) changed. */
  version?: string;
  /** false: always run, never reuse an earlier output. @defaultValue true */
  cache?: boolean;
  /**
   * "thread": run the body in a worker thread (one per core), for CPU-bound work; a timeout then stops
   * it for good. The thread imports the pipeline's module again and finds the step by pipeline and
   * step name, so the step must be defined at the module's top level and its pipeline exported;
   * inputs and output must be structured-cloneable. @defaultValue on the main thread
   */
  isolate?: "thread";
  /**
   * The worker queue the step runs on when its run is dispatched to a stack's workers (`sluice worker
   * --queues gpu`); ignored by runs in one process. @defaultValue "default"
   */
  queue?: string;
  /**
   * true: the body returns steps built at run time (e.g. one per learning rate in a config), which the
   * engine then runs inside this run as `name/child`; this step's output is their outputs by name.
   * Preview shows the expansion as `dynamic` until this step has run. @defaultValue false
   */
  dynamic?: boolean;
  /**
   * External files the step reads: their content is part of the cache key, so editing one reruns the
   * step (reason `input-data-changed`). A relative path is from the folder of the module that declares
   * the step (as an import is), whatever the working directory; the body reads `ctx.files[path]`.
   */
  files?: readonly string[];
  /** For outputs that are not plain JSON, such as model objects. */
  serializer?: Serializer<Awaited<R>>;
  description?: string;
  /**
   * A dataset step's output columns from its inputs' (by input name; undefined where unknown), derived
   * before anything runs (preview, the check before a run). Throw a "schema-mismatch" SluiceError naming
   * the column to refuse the run (exit 2); return undefined when they cannot be known. Recipes set it.
   */
  deriveColumns?: DeriveColumns;
  /**
   * A concurrency limit shared by every step (of any flow and run) that names the same key: at most
   * `limit` of them run at once in all processes on the store; the others wait in order, shown
   * `waiting` with `waitingOn: "limit gpu 2/2"`. Held from the first attempt to the last.
   */
  concurrency?: ConcurrencyLimit;
}

export type InputBinding =
  | {
      readonly name: string;
      readonly kind: "ref";
      readonly step: AnyStep;
      readonly field?: string;
      readonly optional?: boolean;
    }
  | { readonly name: string; readonly kind: "name"; readonly outputName: string };

/** Untyped, normalized form of a step, what the planner and engine read. */
export interface StepDefinition {
  readonly name: string;
  readonly params: ParamShape;
  /** The names in `params`, computed once. */
  readonly paramNames: readonly string[];
  readonly inputs: readonly InputBinding[];
  /** Declared output names, or undefined when the step's output is named after the step. */
  readonly outputs: readonly string[] | undefined;
  readonly schemas: SchemaShape;
  /** Whether `schemas` names anything (spares lookups on the common empty case). */
  readonly hasSchemas: boolean;
  readonly after: readonly AnyStep[];
  readonly run: (args: never, ctx: StepContext) => unknown;
  /** Whether `run` is an `async` function. */
  readonly isAsync: boolean;
  readonly when?: (args: never, ctx: StepContext) => boolean | Promise<boolean>;
  readonly onFailure?: (args: never, error: SluiceError, ctx: StepContext) => unknown;
  readonly retry: NormalizedRetry;
  readonly timeoutMs?: number;
  readonly version?: string;
  readonly cache: boolean;
  readonly isolate?: "thread";
  readonly queue?: string;
  readonly dynamic?: boolean;
  /** As declared: the cache key names them so. */
  readonly files: readonly string[];
  /** Each declared file's absolute path (relative ones from the declaring module's folder): what is read. */
  readonly filePaths: Readonly<Record<string, string>>;
  readonly serializer?: Serializer<unknown>;
  readonly description?: string;
  /** Hash of the body's source (and when/onFailure/serializer), version and outputs. */
  readonly fingerprint: string;
  /** Set for a map step (map()): `run` is the item body, which the engine calls once per item. */
  readonly map?: MapSpec;
  readonly concurrency?: ConcurrencyLimit;
  /** Set for a runFlow step: the flow whose run it starts (preview names it). */
  readonly childFlow?: string;
  /** Set for a step embedded by `use()`: its sub-pipeline, outermost first ("outer.inner"). */
  readonly group?: string;
  readonly deriveColumns?: DeriveColumns;
}

/** How a map step runs its items (see map.ts). */
export interface MapSpec {
  /** How many items run at once. */
  readonly concurrency: number;
  /** Below this share of succeeded items the map step fails. */
  readonly minSuccessRatio: number;
  /** Retries of one item. */
  readonly retry: NormalizedRetry;
  /** Timeout of one item's attempt, in ms. */
  readonly timeoutMs?: number;
}

const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const RESERVED_INPUT = "params";

/**
 * Declares a step. Write `params` and `inputs` before `run` so that their types reach it.
 * @example
 * const clean = step("clean", { inputs: { raw }, run: ({ raw }) => raw.filter((r) => r.ok) });
 */
export function step<
  const I extends InputSpec = {},
  P extends ParamShape = {},
  S extends SchemaShape = {},
  R = unknown,
  const Name extends string = string,
  const A extends readonly AnyStep[] = [],
>(name: Name, options: StepOptions<P, I, S, R, A>): Step<Awaited<R>, StepRunParams<P, I, A>, Name> {
  checkStepName(name);
  if (typeof options !== "object" || options === null || typeof options.run !== "function") {
    throw new Err(
      "invalid-pipeline",
      `step "${name}": \`run\` must be a function. Give the step a body: step("${name}", { run: () => ... }).`,
      { step: name },
    );
  }
  return stepOf(
    name,
    normalize(name, options as unknown as StepOptions<ParamShape, InputSpec, SchemaShape, unknown>),
  );
}

/** A step object around a normalized definition (step() and map() make theirs with it). */
export function stepOf<T, Params = {}, Name extends string = string>(
  name: Name,
  definition: StepDefinition,
): Step<T, Params, Name> {
  const self: Step<T, Params, Name> = {
    kind: "step",
    name,
    definition,
    out(field) {
      if (typeof field !== "string" || field.length === 0) {
        throw new Err(
          "invalid-pipeline",
          `step "${name}": out() needs the name of an output field, e.g. ${name}.out("model").`,
          { step: name },
        );
      }
      return Object.freeze({ kind: "output", step: self, field }) as OutputRef<never, Params>;
    },
  };
  return Object.freeze(self);
}

/** True for values made by `step()`. */
export function isStep(value: unknown): value is AnyStep {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "step" &&
    "definition" in value
  );
}

function checkStepName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !STEP_NAME.test(name)) {
    throw new Err(
      "invalid-pipeline",
      `Invalid step name ${JSON.stringify(name)}: use letters, digits, "_", "." or "-", starting with a letter or "_".`,
      { details: { name } },
    );
  }
}

function normalize(
  name: string,
  options: StepOptions<ParamShape, InputSpec, SchemaShape, unknown>,
): StepDefinition {
  const inputs = normalizeInputs(name, options.inputs);
  const outputs =
    options.outputs === undefined ? undefined : normalizeOutputs(name, options.outputs);
  const after = options.after ?? [];
  for (const [index, dependency] of after.entries()) {
    if (!isStep(dependency)) {
      throw new Err(
        "invalid-pipeline",
        `step "${name}": after[${index}] is not a step. List step objects made by step(), e.g. after: [load].`,
        { step: name },
      );
    }
  }
  const params = options.params ?? {};
  for (const [param, schema] of Object.entries(params)) {
    if (typeof (schema as { safeParse?: unknown })?.safeParse !== "function") {
      throw new Err(
        "invalid-pipeline",
        `step "${name}": parameter "${param}" must be a zod schema, e.g. ${param}: z.number().default(1).`,
        { step: name, details: { param } },
      );
    }
  }
  if (
    options.timeoutMs !== undefined &&
    !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)
  ) {
    throw new Err(
      "invalid-pipeline",
      `step "${name}": timeoutMs must be a positive number of milliseconds, got ${String(options.timeoutMs)}.`,
      { step: name },
    );
  }
  return {
    name,
    params,
    paramNames: Object.keys(params),
    inputs,
    outputs,
    schemas: options.schemas ?? {},
    hasSchemas: options.schemas !== undefined && Object.keys(options.schemas).length > 0,
    after,
    run: options.run as StepDefinition["run"],
    isAsync: options.run.constructor?.name === "AsyncFunction",
    when: options.when as StepDefinition["when"],
    onFailure: options.onFailure as StepDefinition["onFailure"],
    retry: normalizeRetry(name, options.retry),
    timeoutMs: options.timeoutMs,
    version: options.version,
    cache: options.cache ?? true,
    ...(options.isolate === undefined ? {} : { isolate: checkIsolate(name, options.isolate) }),
    ...(options.queue === undefined ? {} : { queue: checkQueue(name, options.queue) }),
    ...(options.dynamic ? { dynamic: true } : {}),
    ...normalizeFiles(name, options.files),
    ...(options.concurrency === undefined
      ? {}
      : { concurrency: checkConcurrencyLimit(`step "${name}": concurrency`, options.concurrency) }),
    serializer: options.serializer as Serializer<unknown> | undefined,
    description: options.description,
    fingerprint: fingerprintOf(options, outputs),
    ...(options.deriveColumns ? { deriveColumns: options.deriveColumns } : {}),
  };
}

function normalizeInputs(name: string, inputs: InputSpec | undefined): InputBinding[] {
  if (inputs === undefined) return [];
  if (Array.isArray(inputs)) {
    return inputs.map((outputName, index) => {
      if (typeof outputName !== "string" || outputName.length === 0) {
        throw new Err(
          "invalid-pipeline",
          `step "${name}": inputs[${index}] must be an output name (a non-empty string).`,
          { step: name },
        );
      }
      if (outputName === RESERVED_INPUT) throw reservedInput(name);
      return { name: outputName, kind: "name", outputName };
    });
  }
  if (typeof inputs !== "object" || inputs === null) {
    throw new Err(
      "invalid-pipeline",
      `step "${name}": inputs must be an object of steps ({ raw: load }) or a list of output names.`,
      { step: name },
    );
  }
  return Object.entries(inputs as Record<string, unknown>).map(([key, given]) => {
    if (key === RESERVED_INPUT) throw reservedInput(name);
    const optionalInput =
      (given as Partial<OptionalInput<unknown>> | undefined)?.kind === "optional";
    const source = optionalInput ? (given as OptionalInput<unknown>).source : given;
    const flag = optionalInput ? { optional: true } : {};
    if (isStep(source)) return { name: key, kind: "ref", step: source, ...flag };
    const ref = source as Partial<OutputRef<unknown>> | undefined;
    if (ref?.kind === "output" && isStep(ref.step) && typeof ref.field === "string") {
      return { name: key, kind: "ref", step: ref.step, field: ref.field, ...flag };
    }
    throw new Err(
      "invalid-pipeline",
      `step "${name}": input "${key}" is not a step or step output. Pass a step (inputs: { ${key}: load }) or one of its fields (inputs: { ${key}: load.out("field") }).`,
      { step: name, details: { input: key } },
    );
  });
}

function checkIsolate(name: string, isolate: unknown): "thread" {
  if (isolate !== "thread")
    throw new Err(
      "invalid-pipeline",
      `step "${name}": isolate must be "thread" (or left out), got ${JSON.stringify(isolate)}.`,
      { step: name },
    );
  return isolate;
}

/** A queue name as graphile-worker task names carry it: letters, digits, "-" and "_". */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function checkQueue(name: string, queue: unknown): string {
  if (typeof queue !== "string" || !QUEUE_NAME.test(queue))
    throw new Err(
      "invalid-pipeline",
      `step "${name}": queue must be a name of letters, digits, "-" or "_" (e.g. "gpu"), got ${JSON.stringify(queue)}.`,
      { step: name },
    );
  return queue;
}

function reservedInput(name: string): Err {
  return new Err(
    "reserved-name",
    `step "${name}": "params" is reserved for parameters and cannot be an input name. Rename the input.`,
    {
      step: name,
      details: { input: RESERVED_INPUT },
    },
  );
}

function normalizeOutputs(name: string, outputs: readonly string[]): string[] {
  if (!Array.isArray(outputs) || outputs.length === 0) {
    throw new Err(
      "invalid-pipeline",
      `step "${name}": outputs must be a non-empty list of names, e.g. outputs: ["model"].`,
      { step: name },
    );
  }
  const seen = new Set<string>();
  for (const output of outputs) {
    if (typeof output !== "string" || output.length === 0) {
      throw new Err(
        "invalid-pipeline",
        `step "${name}": every output name must be a non-empty string.`,
        { step: name },
      );
    }
    if (seen.has(output))
      throw new Err(
        "duplicate-output",
        `step "${name}" lists output "${output}" twice. Remove one.`,
        { step: name, details: { output } },
      );
    seen.add(output);
  }
  return [...outputs];
}

function normalizeFiles(
  name: string,
  files: readonly string[] | undefined,
): Pick<StepDefinition, "files" | "filePaths"> {
  if (files === undefined) return NO_FILES;
  if (
    !Array.isArray(files) ||
    files.some((file) => typeof file !== "string" || file.length === 0)
  ) {
    throw new Err(
      "invalid-pipeline",
      `step "${name}": files must be a list of file paths, e.g. files: ["data/train.csv"].`,
      { step: name },
    );
  }
  return { files: [...files], filePaths: resolveFiles(files, declaringFolder()) };
}

const NO_FILES = Object.freeze({
  files: Object.freeze([]) as readonly string[],
  filePaths: Object.freeze({}) as Readonly<Record<string, string>>,
});

/**
 * The code fingerprint: the source text of the step's own functions, its version and output names.
 * It cannot see code those functions call (helpers, libraries): bump `version` when that changes.
 */
function fingerprintOf(
  options: StepOptions<ParamShape, InputSpec, SchemaShape, unknown>,
  outputs: readonly string[] | undefined,
): string {
  const parts = [
    String(options.run),
    options.when ? String(options.when) : "",
    options.onFailure ? String(options.onFailure) : "",
    options.serializer
      ? `${String(options.serializer.encode)}|${String(options.serializer.decode)}`
      : "",
    options.version ?? "",
    outputs ? outputs.join(",") : "",
  ];
  const source = parts.join("\u0000");
  let fingerprint = fingerprints.get(source);
  if (fingerprint === undefined) {
    fingerprint = sha256(source).slice(0, 32);
    if (fingerprints.size < 10_000) fingerprints.set(source, fingerprint);
  }
  return fingerprint;
}

/** Steps made in a loop share their source text: hash it once. */
const fingerprints = new Map<string, string>();

export type { LogLevel };
