/**
 * Connections to SQL databases, given as "postgres://user:password@host/db" or "sqlite:path". The
 * password never appears in a message, a log or a recorded value: `masked` replaces it with ***.
 */
import { resolve } from "node:path";
import { SluiceError } from "sluice";
import type { SqlDatabase } from "./sql-database.js";
import { postgresDatabase } from "./postgres-database.js";
import { sqliteDatabase } from "./sqlite-database.js";

/** A connection option: the URL, or a function giving it at run time (from an environment variable). */
export type Connection = string | (() => string);

/** The URL a connection option gives; `what` names the step in the error for an empty one. */
export function connectionUrl(what: string, step: string, connection: Connection): string {
  const given = typeof connection === "function" ? connection() : connection;
  if (typeof given !== "string" || given === "")
    throw new SluiceError(
      "invalid-pipeline",
      `${what}: connection is empty: give a postgres:// URL or sqlite:path (is the environment variable set?).`,
      { step },
    );
  return given;
}

/** How a connection is shown: masked, or "(from a function)" until it is called. */
export function shownConnection(connection: Connection): string {
  return typeof connection === "string" ? masked(connection) : "(from a function)";
}

/**
 * Opens the database, runs the work, closes it. A database that cannot be opened is "unreachable"
 * (exit 3), named without its password. `folder` resolves a relative SQLite path.
 */
export async function withDatabase<T>(
  what: string,
  step: string,
  url: string,
  folder: string,
  work: (database: SqlDatabase) => Promise<T>,
): Promise<T> {
  let database: SqlDatabase;
  try {
    if (/^postgres(ql)?:\/\//.test(url)) database = await postgresDatabase(url);
    else if (url.startsWith("sqlite:"))
      database = await sqliteDatabase(
        resolve(folder, url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "")),
      );
    else
      throw new SluiceError(
        "invalid-pipeline",
        `${what}: connection ${masked(url)} is neither postgres://... nor sqlite:path.`,
        { step },
      );
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw new SluiceError(
      "unreachable",
      `${what}: cannot open ${masked(url)}: ${(error as Error).message.replaceAll(passwordOf(url) ?? "\u0000", "***")}. Check the address and that the database runs. Nothing was written.`,
      { step, cause: error },
    );
  }
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

/** The connection with its password replaced by ***. */
export function masked(url: string): string {
  const password = passwordOf(url);
  return password ? url.replace(`:${password}@`, ":***@") : url;
}

function passwordOf(url: string): string | undefined {
  const match = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/i.exec(url);
  return match?.[1] || undefined;
}
