/**
 * The sluice home: the folder that holds the embedded store (`sluice.db`, SQLite) and the artifacts
 * folder. `--home` or SLUICE_HOME name it; by default it is `.sluice` in the workspace root (the nearest
 * folder from the working directory up with a sluice config or package.json). A PostgreSQL stack
 * (stack.ts) is opened as a home too, by @sluice/postgres: the same roles on a shared database.
 */
import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { FileArtifactStore, type ArtifactStore } from "../artifacts/index.js";
import { SluiceError } from "../core/index.js";
import { recoverCrashedRuns, type Stores } from "../engine/index.js";
import {
  openSqliteRoles,
  storeError,
  type StoreRoles,
  type WorkerRegistry,
} from "../store/index.js";
import { resolveStack, type StackTarget } from "./stack.js";
import { workspaceRoot } from "./workspace-root.js";

/**
 * An open home: its store's roles (runs, completions, catalog, server tables, upkeep, output index),
 * never the concrete store, and its artifacts; `stores` is what a run records into.
 */
export interface SluiceHome extends Omit<StoreRoles, "artifactRows"> {
  /** The home folder, or the stack's database as messages name it (no password). */
  readonly path: string;
  readonly stores: Stores;
  readonly artifacts: ArtifactStore;
  /** The stack's workers (a PostgreSQL stack); none for a home folder. */
  readonly workers?: WorkerRegistry;
}

export function resolveHomePath(explicit?: string): string {
  const named = explicit ?? process.env.SLUICE_HOME;
  return named !== undefined ? resolve(named) : join(workspaceRoot(), ".sluice");
}

/**
 * Opens (creating when missing) the home at `home`, or the stack chosen as stack.ts says when it is not
 * given, migrates its database, and (unless `recover` is false: read-only commands) records runs whose
 * owner died as crashed.
 */
export async function openHome(
  home?: string,
  { recover = true }: { recover?: boolean } = {},
): Promise<SluiceHome> {
  return openStack(await resolveStack(home), { recover });
}

export async function openStack(
  target: StackTarget,
  options: { recover: boolean },
): Promise<SluiceHome> {
  if (target.kind === "postgres") {
    const { openPostgresHome } = await postgresPackage();
    return openPostgresHome(target, options);
  }
  return openFolderHome(target.path, options);
}

/** @sluice/postgres, loaded when a stack names PostgreSQL; a clear error when it is not installed. */
async function postgresPackage(): Promise<{
  openPostgresHome(
    target: Extract<StackTarget, { kind: "postgres" }>,
    options: { recover: boolean },
  ): Promise<SluiceHome>;
}> {
  const name = "@sluice/postgres";
  try {
    return await import(name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new SluiceError(
      "invalid-usage",
      `A PostgreSQL stack needs the package ${name}, which is not installed beside sluice. Install it: npm install ${name}`,
    );
  }
}

async function openFolderHome(
  path: string,
  { recover }: { recover: boolean },
): Promise<SluiceHome> {
  try {
    // Only its owner may read a home: runs, logs and outputs are private data (folders 0700, files 0600).
    makeFolders(join(path, "artifacts"));
    accessSync(path, constants.W_OK);
  } catch (error) {
    const failure = storeError(error, path);
    if (SluiceError.is(failure)) throw failure;
    throw new SluiceError(
      "store-unwritable",
      `Cannot create the sluice home ${path}: ${(error as Error).message}. Set SLUICE_HOME or --home to a writable folder.`,
      { cause: error },
    );
  }
  const { artifactRows, ...roles } = openSqliteRoles(join(path, "sluice.db"));
  const artifacts = new FileArtifactStore(join(path, "artifacts"), artifactRows);
  if (recover) await recoverCrashedRuns(roles.runs);
  return Object.assign(roles, {
    path,
    artifacts,
    stores: {
      runs: roles.runs,
      completions: roles.completions,
      artifacts,
      catalog: roles.catalog,
      // A getter: the server's tables are prepared only when a runFlow step needs them.
      get triggers() {
        return roles.serverTables;
      },
      get versions() {
        return roles.serverTables;
      },
      get models() {
        return roles.models;
      },
      // Prepared when a step or run with a concurrency limit first asks.
      get limits() {
        return roles.limits;
      },
      get notifications() {
        return roles.notifications;
      },
    },
  });
}

/**
 * mkdir -p, one level at a time: a recursive mkdir under some special file systems (`/proc/nope`) retries
 * forever, where a plain one fails at once with the reason.
 */
function makeFolders(path: string): void {
  const missing: string[] = [];
  for (let dir = path; !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir))
    missing.unshift(dir);
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error; // another process made it first
    }
  }
}
