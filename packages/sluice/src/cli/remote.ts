/**
 * The CLI against a server: with --server URL (or SLUICE_SERVER), inspection commands and `trigger`
 * ask the HTTP API (key from SLUICE_API_KEY) instead of the local store.
 */
import { Option, type Command } from "commander";
import { ProjectClient, SluiceApiError, SluiceClient } from "@sluice/client";
import { ERROR_CODES, SluiceError, type ErrorCode } from "../core/index.js";

export interface RemoteOptions {
  server?: string;
  project?: string;
}

export function addRemoteOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--server <url>",
        "ask this sluice server instead of the local store (default: SLUICE_SERVER; key from SLUICE_API_KEY)",
      ),
    )
    .addOption(
      new Option(
        "--project <key>",
        "the server's project (default: SLUICE_PROJECT, else the key's only project)",
      ),
    );
}

/** The server's project to ask, or undefined to use the local store. */
export async function remoteProject(options: RemoteOptions): Promise<ProjectClient | undefined> {
  const url = options.server ?? process.env.SLUICE_SERVER;
  if (url === undefined || url === "") return undefined;
  const client = new SluiceClient({ baseUrl: url, apiKey: process.env.SLUICE_API_KEY });
  const key = options.project ?? process.env.SLUICE_PROJECT;
  if (key !== undefined) return client.project(key);
  const projects = await remote(() => client.projects());
  if (projects.length === 1) return client.project(projects[0]!.key);
  throw new SluiceError(
    "invalid-usage",
    `The server at ${url} has ${projects.length === 0 ? "no project this key can see" : `several projects (${projects.map((p) => p.key).join(", ")})`}; name one with --project or SLUICE_PROJECT.`,
  );
}

/**
 * Runs an API call, turning its error answer into the CLI's typed error (same code, exit 2 for the
 * caller's mistakes); a server that did not answer at all is `unreachable` (exit 3).
 */
export async function remote<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof SluiceApiError)) throw error;
    if (error.status === 0 && error.code === "unreachable") {
      const server = String(error.details?.server ?? "the server");
      throw new SluiceError(
        "unreachable",
        `${error.message}. Is a sluice server running there (sluice server)? Check the address given by --server or SLUICE_SERVER.`,
        { details: { server } },
      );
    }
    const code = (
      error.code in ERROR_CODES
        ? error.code
        : error.status >= 400 && error.status < 500
          ? "invalid-usage"
          : "internal"
    ) as ErrorCode;
    throw new SluiceError(
      code,
      error.status === 0
        ? error.message
        : `${error.message} (HTTP ${error.status} from the server)`,
      { details: error.details },
    );
  }
}
