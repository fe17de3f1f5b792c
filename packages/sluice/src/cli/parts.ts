/**
 * sluice's other packages, loaded when a command needs them: `sluice arazzo ...` (and resuming an
 * Arazzo run) needs @sluice/arazzo; `sluice server`, `openapi` and `keys` need @sluice/server;
 * `sluice worker` and `workers` need @sluice/postgres. The
 * CLI declares every command (so `--help` lists them all), and a command whose package is not
 * installed says which one to install instead of failing on a module path.
 */
import { SluiceError } from "../core/index.js";
import { SLUICE_VERSION } from "./version.js";

const PARTS = {
  arazzo: { name: "@sluice/arazzo", does: "Arazzo workflows" },
  server: { name: "@sluice/server", does: "the HTTP API server and its keys" },
  postgres: { name: "@sluice/postgres", does: "the PostgreSQL stack and its workers" },
} as const;

/** A command of another package: returns the exit code. Options are checked by that package. */
type Command = (...args: any[]) => Promise<number>;

export interface ArazzoCommands {
  arazzoValidateCommand: Command;
  arazzoRunCommand: Command;
  arazzoFixCommand: Command;
  arazzoDescribeCommand: Command;
  arazzoResumeCommand: Command;
}

export interface ServerCommands {
  serverCommand: Command;
  openapiCommand: Command;
  keysCreateCommand: Command;
  keysListCommand: Command;
  keysRevokeCommand: Command;
}

export interface WorkerCommands {
  workerCommand: Command;
  workersCommand: Command;
}

export function workerCommands(): Promise<WorkerCommands> {
  return loadPart<WorkerCommands>("postgres");
}

export function arazzoCommands(): Promise<ArazzoCommands> {
  return loadPart<ArazzoCommands>("arazzo");
}

export function serverCommands(): Promise<ServerCommands> {
  return loadPart<ServerCommands>("server");
}

async function loadPart<T>(part: keyof typeof PARTS): Promise<T> {
  const { name, does } = PARTS[part];
  const specifier = `${name}/cli`;
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const missing =
      (error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" &&
      String((error as Error).message).includes(`'${name}`);
    if (!missing) throw error;
    throw new SluiceError(
      "invalid-usage",
      `This command needs the package ${name} (${does}), which is not installed beside sluice. Install it: npm install ${name}@${SLUICE_VERSION}`,
    );
  }
}
