/**
 * Where a command's runs live: its stack. The embedded default is a home folder (SQLite and an artifacts
 * folder); a shared stack is a PostgreSQL database (with artifacts in it, or in a shared folder). The
 * same pipeline code runs on either.
 *
 * Chosen, first match wins: `--home DIR`; `--stack NAME` (or SLUICE_STACK), a stack of the workspace
 * config's `stacks`; SLUICE_STORE (a postgres:// URL or a home folder); SLUICE_HOME; the workspace
 * config's `store`; else `.sluice` in the workspace root.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SluiceError } from "../core/index.js";
import { CONFIG_NAMES, workspaceRoot } from "./workspace-root.js";

export type StackTarget =
  | { kind: "home"; path: string }
  | {
      kind: "postgres";
      /** postgres://user:password@host:port/database */
      url: string;
      /** "postgres" (artifacts in the database) or a folder every machine of the stack shares. */
      artifacts: string;
      /** The stack's name, when one was chosen by name. */
      name?: string;
      /** "workers": runs are dispatched to the stack's workers (`sluice worker`) instead of run in the calling process. */
      executor?: "workers";
    };

interface StackEntry {
  store: string;
  artifacts?: string;
  executor?: "workers";
}

interface StackConfig {
  path: string;
  store?: string;
  stacks?: Record<string, StackEntry>;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;

export async function resolveStack(explicitHome?: string): Promise<StackTarget> {
  if (explicitHome !== undefined) return { kind: "home", path: resolve(explicitHome) };
  const stackName = process.env.SLUICE_STACK;
  if (stackName) {
    const config = await readStackConfig();
    const entry = config?.stacks?.[stackName];
    if (!config || !entry) {
      const known = Object.keys(config?.stacks ?? {});
      throw new SluiceError(
        "invalid-usage",
        `No stack "${stackName}"${config ? ` in ${config.path}` : " (no workspace config found)"}. ${known.length > 0 ? `Its stacks: ${known.join(", ")}.` : 'Declare one: "stacks": { "prod": { "store": "postgres://..." } }.'}`,
        { details: { stack: stackName, known } },
      );
    }
    const chosen = target(entry.store, entry.artifacts, dirname(config.path), stackName);
    if (entry.executor === undefined) return chosen;
    if (chosen.kind !== "postgres")
      throw new SluiceError(
        "invalid-usage",
        `${config.path}: stacks.${stackName}.executor "workers" needs a PostgreSQL store (workers share runs through the database).`,
        { details: { path: config.path, field: `stacks.${stackName}.executor` } },
      );
    return { ...chosen, executor: entry.executor };
  }
  if (process.env.SLUICE_STORE) return target(process.env.SLUICE_STORE, undefined, process.cwd());
  if (process.env.SLUICE_HOME) return { kind: "home", path: resolve(process.env.SLUICE_HOME) };
  const config = await readStackConfig();
  if (config?.store) return target(config.store, undefined, dirname(config.path));
  return { kind: "home", path: join(workspaceRoot(), ".sluice") };
}

/** A store string: a postgres:// URL, or a home folder (relative to `base`). */
function target(store: string, artifacts: string | undefined, base: string, name?: string) {
  if (POSTGRES_URL.test(store))
    return {
      kind: "postgres" as const,
      url: store,
      artifacts:
        artifacts === undefined || artifacts === "postgres" ? "postgres" : resolve(base, artifacts),
      ...(name ? { name } : {}),
    };
  return { kind: "home" as const, path: resolve(base, store) };
}

/** The `store` and `stacks` of the workspace config, checked; undefined when there is no config. */
async function readStackConfig(): Promise<StackConfig | undefined> {
  const root = workspaceRoot();
  const name = CONFIG_NAMES.find((candidate) => existsSync(join(root, candidate)));
  if (!name) return undefined;
  const path = join(root, name);
  let raw: unknown;
  if (name.endsWith(".json")) {
    try {
      raw = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      return undefined; // the workspace loader reports a broken config where it is needed
    }
  } else {
    const { importModule } = await import("./module-loader.js");
    const module = (await importModule(path, "Workspace config")) as { default?: unknown };
    raw = module.default ?? module;
  }
  return { path, ...stackFields(raw, path) };
}

function stackFields(raw: unknown, path: string): Omit<StackConfig, "path"> {
  const config = (raw ?? {}) as { store?: unknown; stacks?: unknown };
  const problem = (field: string, what: string) =>
    new SluiceError("invalid-usage", `${path}: ${field} ${what}.`, { details: { path, field } });
  if (config.store !== undefined && typeof config.store !== "string")
    throw problem(
      "store",
      'must be a postgres:// URL or a home folder, e.g. "postgres://user@host/db"',
    );
  const stacks: Record<string, StackEntry> = {};
  if (config.stacks !== undefined) {
    if (typeof config.stacks !== "object" || config.stacks === null || Array.isArray(config.stacks))
      throw problem(
        "stacks",
        'must be an object of named stacks: { "prod": { "store": "postgres://..." } }',
      );
    for (const [stackName, entry] of Object.entries(config.stacks)) {
      const e = entry as { store?: unknown; artifacts?: unknown; executor?: unknown };
      if (typeof e?.store !== "string")
        throw problem(`stacks.${stackName}.store`, "must be a postgres:// URL or a home folder");
      if (e.artifacts !== undefined && typeof e.artifacts !== "string")
        throw problem(`stacks.${stackName}.artifacts`, 'must be "postgres" or a shared folder');
      if (e.executor !== undefined && e.executor !== "workers")
        throw problem(
          `stacks.${stackName}.executor`,
          'must be "workers" (runs go to `sluice worker` processes) or be left out (runs run in the calling process)',
        );
      stacks[stackName] = {
        store: e.store,
        ...(e.artifacts ? { artifacts: e.artifacts } : {}),
        ...(e.executor ? { executor: e.executor } : {}),
      };
    }
  }
  return {
    ...(typeof config.store === "string" ? { store: config.store } : {}),
    ...(config.stacks !== undefined ? { stacks } : {}),
  };
}

/** Where a command's runs live, as messages name it: the home folder, or the database without its password. */
export async function stackName(explicitHome?: string): Promise<string> {
  const target = await resolveStack(explicitHome);
  if (target.kind === "home") return target.path;
  try {
    const url = new URL(target.url);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "the PostgreSQL stack";
  }
}
