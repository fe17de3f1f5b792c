// Starts a real `sluice server` child process on 127.0.0.1 (port 0: a free one) for the tests, and
// talks to it over real HTTP. Keys are made with the real `sluice keys create`.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const workspaceDir = join(root, "test/fixtures/workspace");

export interface RunningServer {
  url: string;
  home: string;
  child: ChildProcess;
  stderr: () => string;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<number | null>;
  /** SIGKILL, and wait for the exit. */
  kill9(): Promise<void>;
}

export function newHome(): string {
  return mkdtempSync(join(tmpdir(), "sluice-server-test-"));
}

/** Runs the sluice CLI synchronously against `home`. */
export function sluiceCli(args: string[], home: string, env: Record<string, string> = {}) {
  const child = spawnSync(process.execPath, [join(root, "bin/sluice.js"), ...args], { cwd: workspaceDir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: home, ...env } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

export function createKey(home: string, project = "demo", readOnly = false): { key: string; keyId: string } {
  const result = sluiceCli(["keys", "create", "--project", project, "--json", ...(readOnly ? ["--read-only"] : [])], home);
  if (result.code !== 0) throw new Error(`keys create failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

export async function startServer(home: string, args: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [join(root, "bin/sluice.js"), "server", "--port", "0", ...args], {
    cwd: workspaceDir,
    env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: home },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20_000);
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code}: ${stderr}`));
    });
  });
  return {
    url,
    home,
    child,
    stderr: () => stderr,
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
    kill9: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** A JSON request; returns status, headers and the parsed body. */
export async function api(server: { url: string }, key: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** Polls the light status until the run is no longer running. */
export async function waitForRun(server: { url: string }, key: string, runId: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const light = await api(server, key, "GET", `/api/projects/demo/runs/${runId}/light`);
    if (light.status !== 200) throw new Error(`light status ${light.status}: ${light.text}`);
    if (!light.json.running) return light.json;
    if (Date.now() > deadline) throw new Error(`run ${runId} still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface SseEvent {
  event: string;
  data: any;
}

/** Reads server-sent events until `until` says stop (or the stream ends); `onEvent` sees each as it comes. */
export async function readEvents(url: string, key: string, until: (event: SseEvent) => boolean, onEvent: (event: SseEvent) => void = () => {}): Promise<SseEvent[]> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (!response.headers.get("content-type")?.includes("text/event-stream")) throw new Error(`not an event stream: ${response.status} ${await response.text()}`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event === undefined || data === undefined) continue;
      const parsed = { event, data: JSON.parse(data) };
      events.push(parsed);
      onEvent(parsed);
      if (until(parsed)) return events;
    }
  }
  return events;
}
