// A PostgreSQL cluster of a test's own (initdb in a temp folder, on a free port), for tests that stop
// or restart the server: those must not touch the shared one (SLUICE_TEST_PG). Needs Debian's
// postgresql binaries; as root, the cluster runs as the `postgres` user. Tests using it run serially.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { tempDir } from "./temp-dir.js";

const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort() : [];
const bin = versions.length > 0 ? `/usr/lib/postgresql/${versions.at(-1)}/bin` : undefined;

/** Whether a cluster of the test's own can be made here. */
export const ownClusterAvailable = bin !== undefined;

export interface OwnCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth on 127.0.0.1). */
  url: string;
  /** Restarts the server (fast: open connections are cut). */
  restart(): void;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[]): void {
  const asPostgres = process.getuid?.() === 0;
  const result = asPostgres
    ? spawnSync("runuser", ["-u", "postgres", "--", join(bin!, command), ...args], {
        encoding: "utf8",
      })
    : spawnSync(join(bin!, command), args, { encoding: "utf8" });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr || result.error}`);
}

export async function startOwnCluster(): Promise<OwnCluster> {
  const dir = tempDir("sluice-own-pg-");
  chmodSync(dir, 0o777); // the postgres user writes in it
  const data = join(dir, "data");
  const port = await freePort();
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const pgCtl = (...args: string[]) =>
    run("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", ...args]);
  pgCtl("start");
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => pgCtl("restart", "-m", "fast"),
    stop: () => pgCtl("stop", "-m", "immediate"),
  };
}
