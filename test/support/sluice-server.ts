// Starts a real `sluice server` child process on 127.0.0.1 (port 0: a free one) for the tests, and
// talks to it over real HTTP. Keys are made with the real `sluice keys create`.
//
// The CLI runs asynchronously here (sluiceAsync): a test that holds keep-alive connections to a server
// must not block its event loop for longer than the server's keep-alive timeout (5 s, easily reached
// by a CLI process on a busy machine), or its next request goes out on a connection the server has
// closed meanwhile and fails with UND_ERR_SOCKET ("other side closed").
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { root, sluiceAsync, startSluice, type CliOptions } from "./cli.js";
import { until } from "./until.js";

export { root };
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

/** Options for the CLI in the demo workspace (test/fixtures/workspace), on `home`. */
export function inWorkspace(
  home: string,
  env: Record<string, string | undefined> = {},
): CliOptions {
  return { home, env, cwd: workspaceDir };
}

export async function createKey(
  home: string,
  project = "demo",
  readOnly = false,
): Promise<{ key: string; keyId: string }> {
  const result = await sluiceAsync(
    ["keys", "create", "--project", project, "--json", ...(readOnly ? ["--read-only"] : [])],
    inWorkspace(home),
  );
  if (result.code !== 0) throw new Error(`keys create failed: ${result.stderr}`);
  return result.json();
}

export async function startServer(
  home: string,
  args: string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<RunningServer> {
  const server = startSluice(["server", "--port", "0", ...args], inWorkspace(home, env));
  let url: string;
  try {
    [, url] = (await server.waitForStderr(/listening on (http:\/\/\S+)/)) as [string, string];
  } catch (error) {
    server.child.kill("SIGKILL");
    throw error;
  }
  return {
    url,
    home,
    child: server.child,
    stderr: () => server.output().stderr,
    stop: async () => {
      server.child.kill("SIGTERM");
      return (await server.result).code;
    },
    kill9: async () => {
      server.child.kill("SIGKILL");
      await server.result;
    },
  };
}

/** A JSON request; returns status, headers and the parsed body. */
export async function api(
  server: { url: string },
  key: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
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

/** Polls the light status until the run is no longer running; resolves with that status. */
export function waitForRun(
  server: { url: string },
  key: string,
  runId: string,
  timeoutMs = 20_000,
) {
  return until(
    async () => {
      const light = await api(server, key, "GET", `/api/projects/demo/runs/${runId}/light`);
      if (light.status !== 200) throw new Error(`light status ${light.status}: ${light.text}`);
      return light.json.running ? undefined : light.json;
    },
    { what: `run ${runId} to end`, timeoutMs, intervalMs: 25 },
  );
}

export interface SseEvent {
  event: string;
  data: any;
}

/** Reads server-sent events until `until` says stop (or the stream ends); `onEvent` sees each as it comes. */
export async function readEvents(
  url: string,
  key: string,
  until: (event: SseEvent) => boolean,
  onEvent: (event: SseEvent) => void = () => {},
): Promise<SseEvent[]> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (!response.headers.get("content-type")?.includes("text/event-stream"))
    throw new Error(`not an event stream: ${response.status} ${await response.text()}`);
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
