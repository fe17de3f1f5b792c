/**
 * The sluice home: the folder that holds the embedded store (`sluice.db`, SQLite) and the artifacts
 * folder. `--home` or SLUICE_HOME name it; by default it is `.sluice` in the working directory.
 */
import { accessSync, constants, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { FileArtifactStore } from "./artifacts/index.js";
import { SluiceError } from "./core/index.js";
import { recoverCrashedRuns, type Stores } from "./engine/index.js";
import { SqliteStore, storeError } from "./store/index.js";

export interface SluiceHome {
  readonly path: string;
  readonly stores: Stores;
  readonly store: SqliteStore;
  readonly artifacts: FileArtifactStore;
  close(): void;
}

export function resolveHomePath(explicit?: string): string {
  return resolve(explicit ?? process.env.SLUICE_HOME ?? ".sluice");
}

/**
 * Opens (creating when missing) the home at `path`, migrates its database, and (unless `recover` is
 * false: read-only commands) records runs whose owner died as crashed.
 */
export async function openHome(path: string = resolveHomePath(), { recover = true }: { recover?: boolean } = {}): Promise<SluiceHome> {
  try {
    // Only its owner may read a home: runs, logs and outputs are private data (folders 0700, files 0600).
    mkdirSync(join(path, "artifacts"), { recursive: true, mode: 0o700 });
    accessSync(path, constants.W_OK);
  } catch (error) {
    const failure = storeError(error, path);
    if (SluiceError.is(failure)) throw failure;
    throw new SluiceError("store-unwritable", `Cannot create the sluice home ${path}: ${(error as Error).message}. Set SLUICE_HOME or --home to a writable folder.`, { cause: error });
  }
  const store = SqliteStore.open(join(path, "sluice.db"));
  const artifacts = new FileArtifactStore(join(path, "artifacts"), store);
  if (recover) await recoverCrashedRuns(store);
  return {
    path,
    store,
    artifacts,
    stores: { runs: store, completions: store, artifacts, catalog: store },
    close: () => store.close(),
  };
}
