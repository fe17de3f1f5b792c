// Runs the built CLI as a user does: `node packages/sluice/bin/sluice.js ARGS` (it runs dist/, so
// `npm run build` first). Every run gets NO_COLOR=1 and a fresh, empty sluice home (SLUICE_HOME, a tempDir removed
// after the test) unless `home` is given, and runs in the repository root unless `cwd` says otherwise.
//
//   sluice(args, options)       runs it to its end, synchronously: { code, signal, stdout, stderr, json() }
//   sluiceAsync(args, options)  the same without blocking this process. Use it when this process must
//                               go on working meanwhile: a mock server in the test process answers the
//                               CLI, or the test talks HTTP to a server (blocked for longer than the
//                               server's keep-alive timeout, this process would send its next request on
//                               a connection the server closed meanwhile: UND_ERR_SOCKET)
//   startSluice(args, options)  starts it and hands it over: wait for a line on stderr, send it a signal,
//                               await its `result`
//
// Options: `home`, `env` (over process.env; a variable set to undefined is removed, SLUICE_HOME
// included: then no home is made), `cwd`, `nodeArgs` (before the script: --import hooks) and
// `timeoutMs` (kills the process with SIGTERM after that long: a guard against a hang, seen as `signal`).
//
// The other helpers: tempDir() (temp-dir.ts) for folders removed after the test, until() (until.ts)
// to wait for a condition instead of sleeping.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "./temp-dir.js";

/** The repository root: the default working directory (test fixtures are named from it). */
export const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(root, "packages/sluice/bin/sluice.js");

export interface CliOptions {
  /** SLUICE_HOME. @defaultValue a new empty tempDir */
  home?: string;
  env?: Record<string, string | undefined>;
  /** @defaultValue the package root */
  cwd?: string;
  nodeArgs?: string[];
  timeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON; a clear error (with stderr) when it is not JSON. */
  json(): any;
}

export interface SluiceProcess {
  child: ChildProcess;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the match once stderr matches `pattern`; rejects if the process ends first, or after `timeoutMs`. */
  waitForStderr(pattern: string | RegExp, timeoutMs?: number): Promise<string[]>;
  /** Settles once the process ended and its output was read. */
  result: Promise<CliResult>;
}

export function sluice(args: string[], options: CliOptions = {}): CliResult {
  const { argv, cwd, env } = command(args, options);
  const child = spawnSync(process.execPath, argv, {
    cwd,
    env,
    encoding: "utf8",
    timeout: options.timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.error && child.status === null && child.signal === null) throw child.error;
  return resultOf(child.status, child.signal, child.stdout, child.stderr);
}

export function sluiceAsync(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startSluice(args, options).result;
}

export function startSluice(args: string[], options: CliOptions = {}): SluiceProcess {
  const { argv, cwd, env } = command(args, options);
  const child = spawn(process.execPath, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const guard =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => child.kill("SIGTERM"), options.timeoutMs);
  const result = new Promise<CliResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(guard);
      resolve(resultOf(code, signal, stdout, stderr));
    });
  });

  function waitForStderr(pattern: string | RegExp, timeoutMs = 20_000): Promise<string[]> {
    const match = (): string[] | undefined => {
      if (typeof pattern === "string") return stderr.includes(pattern) ? [pattern] : undefined;
      const found = pattern.exec(stderr);
      return found ? [...found] : undefined;
    };
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        child.stderr!.off("data", check);
        child.off("close", ended);
      };
      const check = () => {
        const found = match();
        if (found) (done(), resolve(found));
      };
      const ended = () => (
        done(),
        reject(
          new Error(
            `sluice ${args.join(" ")} ended before printing ${pattern} on stderr: ${stderr}`,
          ),
        )
      );
      const timer = setTimeout(
        () => (
          done(),
          reject(
            new Error(
              `sluice ${args.join(" ")} did not print ${pattern} on stderr within ${timeoutMs} ms: ${stderr}`,
            ),
          )
        ),
        timeoutMs,
      );
      child.stderr!.on("data", check);
      child.once("close", ended);
      check();
    });
  }

  return { child, output: () => ({ stdout, stderr }), waitForStderr, result };
}

function command(
  args: string[],
  options: CliOptions,
): { argv: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  // The home is made only when neither `home` nor `env` says what SLUICE_HOME is.
  const home =
    options.home ??
    (options.env && "SLUICE_HOME" in options.env ? undefined : tempDir("sluice-home-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: "1",
    ...(home === undefined ? {} : { SLUICE_HOME: home }),
    ...options.env,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return { argv: [...(options.nodeArgs ?? []), bin, ...args], cwd: options.cwd ?? root, env };
}

function resultOf(
  code: number | null,
  signal: NodeJS.Signals | null,
  stdout: string,
  stderr: string,
): CliResult {
  return {
    code,
    signal,
    stdout,
    stderr,
    json: () => {
      try {
        return JSON.parse(stdout);
      } catch {
        throw new Error(
          `sluice printed no JSON on stdout (exit ${code ?? signal}): ${stdout.slice(0, 2000) || "(nothing)"}\nstderr: ${stderr.slice(-4000)}`,
        );
      }
    },
  };
}
