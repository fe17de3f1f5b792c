import pc from "picocolors";
import {
  EXIT,
  openHome,
  SluiceError,
  table,
  usageError,
  writeFileAtomically,
} from "sluice/internal";
import { createApiKey, describeApi, SluiceServer } from "./index.js";

interface ServerCommandOptions {
  config?: string;
  home?: string;
  port?: string;
  host?: string;
  insecureLocal?: boolean;
  /** false with --no-scheduler. */
  scheduler?: boolean;
}

export async function serverCommand(
  options: ServerCommandOptions,
  version: string,
): Promise<number> {
  const port = options.port === undefined ? 8080 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw usageError(`--port must be a port number (0-65535), got "${options.port}".`);
  const server = await SluiceServer.start({
    config: options.config,
    home: options.home,
    port,
    host: options.host,
    insecureLocal: options.insecureLocal,
    scheduler: options.scheduler,
    version,
  });
  const { workspace } = server.manager;
  if (options.insecureLocal)
    process.stderr.write(
      pc.red(
        pc.bold(
          "WARNING: --insecure-local: NO API KEY IS CHECKED. Anyone who can reach 127.0.0.1 can trigger and read runs.\n",
        ),
      ),
    );
  process.stderr.write(
    `sluice server: project "${workspace.project}", ${workspace.flows.size} flow(s) (${[...workspace.flows.keys()].join(", ")}), listening on ${server.url}\n`,
  );
  process.stderr.write(`  API described at ${server.url}/api/openapi.json\n`);
  if (workspace.schedules.length > 0)
    process.stderr.write(
      options.scheduler === false
        ? `  ${workspace.schedules.length} schedule(s) not fired here (--no-scheduler)\n`
        : `  firing ${workspace.schedules.length} schedule(s): ${workspace.schedules.map((s) => s.id).join(", ")}\n`,
    );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  process.stderr.write(
    "sluice server: stopping; runs it started are cancelled and can be resumed.\n",
  );
  await server.close();
  return EXIT.ok;
}

export async function keysCreateCommand(options: {
  project: string;
  readOnly?: boolean;
  name?: string;
  home?: string;
  json?: boolean;
}): Promise<number> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(options.project))
    throw usageError(
      `--project must be a project key (letters, digits, _ - .), got "${options.project}".`,
    );
  const home = await openHome(options.home);
  try {
    const { key, record } = await createApiKey(home.serverTables, options);
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ key, ...record, createdAt: new Date(record.createdAt).toISOString() }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(`${key}\n`);
      process.stderr.write(
        `Key ${record.keyId} for project "${record.project}"${record.readOnly ? " (read-only)" : ""}. It is shown only this once: store it now (e.g. SLUICE_API_KEY).\n`,
      );
    }
    return EXIT.ok;
  } finally {
    home.close();
  }
}

export async function keysListCommand(options: {
  project?: string;
  home?: string;
  json?: boolean;
}): Promise<number> {
  const home = await openHome(options.home);
  try {
    const keys = await home.serverTables.listApiKeys(options.project);
    const iso = (t?: number) => (t === undefined ? null : new Date(t).toISOString());
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ keys: keys.map((k) => ({ ...k, createdAt: iso(k.createdAt), revokedAt: iso(k.revokedAt) })) }, null, 2)}\n`,
      );
      return EXIT.ok;
    }
    if (keys.length === 0) {
      process.stdout.write("No API keys. Create one with: sluice keys create --project P\n");
      return EXIT.ok;
    }
    const rows = keys.map((k) => [
      k.keyId,
      k.project,
      k.readOnly ? "read-only" : "read-write",
      k.name ?? "-",
      iso(k.createdAt)!.slice(0, 19),
      k.revokedAt === undefined ? "active" : `revoked ${iso(k.revokedAt)!.slice(0, 19)}`,
    ]);
    process.stdout.write(
      `${table(["KEY ID", "PROJECT", "ACCESS", "NAME", "CREATED (UTC)", "STATE"], rows)}\n`,
    );
    return EXIT.ok;
  } finally {
    home.close();
  }
}

export async function keysRevokeCommand(
  keyId: string,
  options: { home?: string; json?: boolean },
): Promise<number> {
  const home = await openHome(options.home);
  try {
    const revoked = await home.serverTables.revokeApiKey(keyId, Date.now());
    if (!revoked)
      throw new SluiceError(
        "not-found",
        `No active API key ${keyId}. List keys with: sluice keys list`,
      );
    if (options.json) process.stdout.write(`${JSON.stringify({ keyId, revoked: true })}\n`);
    else process.stdout.write(`Revoked key ${keyId}; requests with it now get 401.\n`);
    return EXIT.ok;
  } finally {
    home.close();
  }
}

/** Lists the workspace's flows and registers them, as a server start does. */
export async function openapiCommand(options: { out?: string }, version: string): Promise<number> {
  const text = `${JSON.stringify(describeApi(version), null, 2)}\n`;
  if (options.out === undefined) {
    process.stdout.write(text);
    return EXIT.ok;
  }
  writeFileAtomically(options.out, text);
  process.stderr.write(`Wrote ${options.out}\n`);
  return EXIT.ok;
}
