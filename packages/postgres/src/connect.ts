/**
 * A connection pool to the database a URL names, checked on open, with errors that say what to do:
 * an unreachable server names its host and port (exit 3), wrong credentials name the user, a missing
 * database names it. The password never appears in a message.
 */
import pg from "pg";
import { SluiceError } from "sluice/internal";

export interface PostgresOptions {
  /** postgres://user:password@host:port/database[?schema=name] */
  url: string;
  /**
   * A schema to keep sluice's tables in (created when missing); default: the URL's `schema` parameter,
   * else the user's search_path.
   */
  schema?: string;
  /** Most connections the pool opens. @defaultValue 10 */
  maxConnections?: number;
}

/** The URL as messages show it: without its password. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unreadable postgres:// URL)";
  }
}

export function target(url: string): {
  host: string;
  port: string;
  user: string;
  database: string;
} {
  const parsed = new URL(url);
  return {
    host: parsed.hostname || "localhost",
    port: parsed.port || "5432",
    user: decodeURIComponent(parsed.username) || "(the OS user)",
    database: decodeURIComponent(parsed.pathname.slice(1)) || "(the user's database)",
  };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The URL without sluice's own `schema` parameter, and that schema. */
export function splitSchema(url: string): { url: string; schema?: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? undefined;
  if (schema === undefined) return { url };
  parsed.searchParams.delete("schema");
  return { url: parsed.toString(), schema };
}

export async function openPool(options: PostgresOptions): Promise<pg.Pool> {
  let where: ReturnType<typeof target>;
  try {
    where = target(options.url);
    const split = splitSchema(options.url);
    options = { ...options, url: split.url, schema: options.schema ?? split.schema };
  } catch {
    throw new SluiceError(
      "invalid-usage",
      `${shownUrl(options.url)} is not a PostgreSQL URL. Write it as postgres://user:password@host:5432/database.`,
    );
  }
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema))
    throw new SluiceError(
      "invalid-usage",
      `PostgreSQL schema "${options.schema}": use lowercase letters, digits and "_", starting with a letter or "_".`,
    );
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 10_000,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle connection the server drops (a restart) is replaced by the next query; this keeps the
  // pool's error from crashing the process meanwhile.
  pool.on("error", () => undefined);
  // The same for a checked-out connection the server drops (graphile-worker shares this pool, and asks for it).
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
    // Named (prepared) statements are sluice's hot ones, by primary key or over unnest() arrays: one
    // generic plan each, instead of planning them again at every call. Sent first on each new
    // connection (the client queues it before any other query); a server that refuses it plans as usual.
    client.query("SET plan_cache_mode = force_generic_plan").catch(() => undefined);
  });
  try {
    (await pool.connect()).release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw connectionError(error, where);
  }
  return pool;
}

/** What a failed connection attempt means, in sluice's terms. */
export function connectionError(
  error: unknown,
  where: { host: string; port: string; user: string; database: string },
): SluiceError {
  const code = (error as { code?: string }).code;
  const at = `${where.host}:${where.port}`;
  if (code === "28P01" || code === "28000")
    return new SluiceError(
      "invalid-usage",
      `PostgreSQL at ${at} refused user "${where.user}": wrong password or no such role. Check the user and password in the store URL.`,
    );
  if (code === "3D000")
    return new SluiceError(
      "invalid-usage",
      `PostgreSQL at ${at} has no database "${where.database}". Create it (createdb ${where.database}) or name another in the store URL.`,
    );
  if (code === "42501")
    return new SluiceError(
      "invalid-usage",
      `PostgreSQL at ${at}: user "${where.user}" may not create sluice's tables in database "${where.database}". Grant it CREATE, or use another user.`,
    );
  // Network errors (ECONNREFUSED, ENOTFOUND, ETIMEDOUT...), connection failures (08xxx), a server
  // starting up or shutting down (57P0x), or no answer at all.
  if (code === undefined || /^E[A-Z]+$/.test(code) || /^(08|57P0)/.test(code))
    return new SluiceError(
      "unreachable",
      `Cannot reach PostgreSQL at ${at} (${code ?? (error as Error).message}). Is it running and accepting TCP connections there?`,
      { details: { host: where.host, port: where.port } },
    );
  return new SluiceError(
    "store-unwritable",
    `PostgreSQL at ${at}, database "${where.database}": ${(error as Error).message} (${code}).`,
    { cause: error },
  );
}
