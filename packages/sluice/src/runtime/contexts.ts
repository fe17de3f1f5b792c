/**
 * Contexts: named sets of run parameters, one per environment (dev, staging, prod), so one codebase
 * runs in each with its own configuration (flowyml's context()). They live in the workspace config
 * (`contexts: { prod: { params: {...}, env: {...}, stack: "prod" } }`) or in files `contexts/NAME.json`
 * beside it, found from the pipeline module's folder up. A context's secrets never come from a file:
 * `env` names, per parameter, the environment variable that holds its value. Parameters given
 * explicitly (--param, the API's params) win over the context's.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { MASK, SluiceError, forbiddenKeyPath, type PipelineGraph } from "../core/index.js";
import { CONFIG_NAMES } from "./workspace-root.js";

export interface ContextEntry {
  /** Parameter values, as the file gives them. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Parameter name → the environment variable holding its value (secrets go here, never in params). */
  readonly env: Readonly<Record<string, string>>;
  /** The stack its runs go to, when none is chosen explicitly. */
  readonly stack?: string;
  /** Where it was read: a file, or the config's `contexts.NAME`. */
  readonly source: string;
}

/** A context resolved for one pipeline: its name, its params (env read), its stack. */
export interface ResolvedContext {
  readonly name: string;
  readonly params: Record<string, unknown>;
  readonly stack?: string;
  readonly source: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * The contexts of the nearest folder, from `start` up, that has a sluice config or a `contexts/`
 * folder: the config's `contexts` and every `contexts/*.json` there. A name defined twice is refused.
 */
export async function readContexts(start: string): Promise<Map<string, ContextEntry>> {
  const folder = contextsFolder(resolve(start));
  const found = new Map<string, ContextEntry>();
  if (!folder) return found;
  const configName = CONFIG_NAMES.find((name) => existsSync(join(folder, name)));
  if (configName) {
    const path = join(folder, configName);
    const config = (await readConfig(path)) as { contexts?: unknown };
    if (config.contexts !== undefined) {
      if (!isObject(config.contexts))
        throw invalid(
          path,
          "contexts",
          'must be an object of named contexts: { "prod": { "params": { ... } } }',
        );
      for (const [name, raw] of Object.entries(config.contexts))
        add(found, name, checkEntry(raw, path, `contexts.${name}`, `${path} (contexts.${name})`));
    }
  }
  const dir = join(folder, "contexts");
  if (existsSync(dir) && statSync(dir).isDirectory())
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort()) {
      const path = join(dir, file);
      add(found, basename(file, ".json"), checkEntry(readJson(path), path, "", path));
    }
  return found;
}

/**
 * Context `name` for a pipeline: refused (exit 2, nothing run) when unknown (the known ones are
 * listed), when it sets a parameter the pipeline does not declare, when it writes a secret's value in
 * the file, or when an environment variable it names is not set.
 */
export function resolveContext(
  contexts: ReadonlyMap<string, ContextEntry>,
  name: string,
  graph: PipelineGraph,
): ResolvedContext {
  const entry = contexts.get(name);
  if (!entry) {
    const known = [...contexts.keys()];
    throw new SluiceError(
      "invalid-usage",
      `No context "${name}". ${known.length > 0 ? `Known contexts: ${known.join(", ")}.` : 'None is defined: add contexts/NAME.json beside the workspace config (or the pipeline), or a "contexts" object in the config.'}`,
      { details: { context: name, known } },
    );
  }
  const declared = new Set(graph.nodes.flatMap((node) => node.def.paramNames));
  const where = (key: string, field: string) =>
    `${entry.source}: context "${name}" ${field} "${key}"`;
  for (const [key, field] of [
    ...Object.keys(entry.params).map((k) => [k, "sets the param"] as const),
    ...Object.keys(entry.env).map((k) => [k, "reads the param"] as const),
  ])
    if (!declared.has(key))
      throw new SluiceError(
        "unknown-param",
        `${where(key, field)}, which pipeline "${graph.pipeline}" does not declare. Its params: ${[...declared].sort().join(", ") || "none"}. Remove it from the context, or declare it on a step.`,
        { details: { context: name, param: key, source: entry.source } },
      );
  for (const key of Object.keys(entry.params))
    if (graph.secretParams.has(key))
      throw new SluiceError(
        "invalid-usage",
        `${where(key, "writes the value of the secret param")} in the file. Secrets never come from a context file: name the environment variable that holds it instead, "env": { "${key}": "SOME_VARIABLE" }.`,
        { details: { context: name, param: key, source: entry.source } },
      );
  const params: Record<string, unknown> = { ...entry.params };
  for (const [key, variable] of Object.entries(entry.env)) {
    const value = process.env[variable];
    if (value === undefined)
      throw new SluiceError(
        "invalid-usage",
        `${where(key, "reads the param")} from the environment variable ${variable}, which is not set. Set it, or pass --param ${key}=...`,
        { details: { context: name, param: key, variable } },
      );
    params[key] = envValue(graph, key, value);
  }
  return {
    name,
    params,
    ...(entry.stack ? { stack: entry.stack } : {}),
    source: entry.source,
  };
}

function contextsFolder(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (
      CONFIG_NAMES.some((name) => existsSync(join(dir, name))) ||
      existsSync(join(dir, "contexts"))
    )
      return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function add(found: Map<string, ContextEntry>, name: string, entry: ContextEntry): void {
  if (!CONTEXT_NAME.test(name))
    throw new SluiceError(
      "invalid-usage",
      `${entry.source}: "${name}" is not a context name: use letters, digits, "_", "-" or ".".`,
    );
  const earlier = found.get(name);
  if (earlier)
    throw new SluiceError(
      "invalid-usage",
      `Context "${name}" is defined twice: in ${earlier.source} and in ${entry.source}. Keep one.`,
    );
  found.set(name, entry);
}

function checkEntry(raw: unknown, path: string, prefix: string, source: string): ContextEntry {
  const field = (name: string) => (prefix ? `${prefix}.${name}` : name);
  if (!isObject(raw))
    throw invalid(
      path,
      prefix || "(the file)",
      'must be an object: { "params": { ... }, "env": { ... }, "stack": "..." }',
    );
  const unknown = Object.keys(raw).filter((key) => !["params", "env", "stack"].includes(key));
  if (unknown.length > 0)
    throw invalid(
      path,
      field(unknown[0]!),
      'is not a context field (a context has "params", "env" and "stack")',
    );
  const { params = {}, env = {}, stack } = raw as Record<string, unknown>;
  if (!isObject(params)) throw invalid(path, field("params"), "must be an object of param values");
  const forbidden = forbiddenKeyPath(params);
  if (forbidden !== undefined)
    throw invalid(path, field(`params.${forbidden}`), "is not an allowed key");
  if (!isObject(env)) throw invalid(path, field("env"), "must be an object of param → variable");
  for (const [key, variable] of Object.entries(env))
    if (typeof variable !== "string" || !ENV_NAME.test(variable))
      throw invalid(
        path,
        field(`env.${key}`),
        "must name an environment variable, e.g. PROD_TOKEN",
      );
  if (stack !== undefined && (typeof stack !== "string" || stack === ""))
    throw invalid(path, field("stack"), "must name a stack of the workspace config");
  return {
    params: params as Record<string, unknown>,
    env: env as Record<string, string>,
    ...(stack ? { stack: stack as string } : {}),
    source,
  };
}

async function readConfig(path: string): Promise<unknown> {
  if (path.endsWith(".json")) return readJson(path);
  const { importModule } = await import("./module-loader.js");
  const module = (await importModule(path, "Workspace config")) as { default?: unknown };
  return module.default ?? module;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new SluiceError(
      "invalid-usage",
      `${path}: not JSON (${(error as Error).message}). Fix the file.`,
      { details: { path } },
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(path: string, field: string, what: string): SluiceError {
  return new SluiceError("invalid-usage", `${path}: ${field} ${what}.`, {
    details: { path, field },
  });
}

/**
 * An environment variable's text as a param value: the text itself when the param takes a string
 * (a token of digits stays a string), else JSON when it parses (as --param reads values).
 */
function envValue(graph: PipelineGraph, key: string, text: string): unknown {
  const schema = graph.nodes.find((node) => key in node.def.params)?.def.params[key];
  if (schema?.safeParse(text).success) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What a context changes, as preview shows it: each param it sets, with its default (secrets masked). */
export interface ContextPreview {
  name: string;
  source: string;
  params: Array<{ param: string; value: unknown; default?: unknown; required?: true }>;
}

export function contextChanges(graph: PipelineGraph, context: ResolvedContext): ContextPreview {
  const params = Object.entries(context.params).map(([param, value]) => {
    const schema = graph.nodes.find((node) => param in node.def.params)?.def.params[param];
    const fallback = schema?.safeParse(undefined);
    const secret = graph.secretParams.has(param);
    return {
      param,
      value: secret ? MASK : value,
      ...(fallback?.success
        ? { default: secret ? MASK : fallback.data }
        : { required: true as const }),
    };
  });
  return { name: context.name, source: context.source, params };
}
