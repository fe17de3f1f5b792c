/**
 * A deterministic HTTP API on 127.0.0.1 (random port) for the Arazzo tests, with the calls it got
 * counted per route and kept (method, raw path, headers, body, time). Tests change its behaviour
 * through `state` (the server lives in the test process, so a `sluice` child process sees it).
 *
 * Routes:
 * - GET  /scenarios/{id}            200 { id, name, enabled, steps }, 404 for id "missing"
 * - POST /scenarios/{id}/runs       202 { id: "run-<n>", scenarioId, reason }
 * - GET  /runs/{id}/status          200 { running: true } until `state.pollsBeforeDone` polls were
 *                                   answered (or `state.done`), then { running: false, outcome };
 *                                   while running, Retry-After: `state.retryAfter` when set
 * - GET|POST /echo/{item}           200 echo of { method, rawPath, item, query, headers, cookies, body }
 * - GET  /flaky/{key}               the first `state.failures` calls per key 503 (with Retry-After:
 *                                   `state.retryAfter` when set), then 200 { key, calls }
 * - GET  /status/{code}             that status, body { code }
 * - GET  /slow/{ms}                 200 after ms milliseconds, { ms, started, ended }
 * - POST /login                     200 { token: "tok-" + user }
 * - GET  /next/{id}                 200 { id, next: "<id>+" }
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach } from "vitest";

export interface RecordedCall {
  route: string;
  method: string;
  rawPath: string;
  headers: IncomingMessage["headers"];
  body: string;
  time: number;
}

export interface MockState {
  pollsBeforeDone: number;
  done: boolean;
  outcome: string;
  failures: number;
  retryAfter?: string;
}

export interface MockServer {
  url: string;
  port: number;
  state: MockState;
  calls: RecordedCall[];
  /** How many calls a route got, e.g. count("POST /scenarios/{id}/runs"). */
  count(route: string): number;
  reset(): void;
  close(): Promise<void>;
}

type Handler = (
  call: RecordedCall,
  params: string[],
  query: URLSearchParams,
  send: (status: number, body?: unknown, headers?: Record<string, string>) => void,
) => void;

const defaults = (): MockState => ({
  pollsBeforeDone: 3,
  done: false,
  outcome: "passed",
  failures: 2,
});

export async function startMockServer(): Promise<MockServer> {
  let state = defaults();
  let calls: RecordedCall[] = [];
  let polls = new Map<string, number>();
  let flaky = new Map<string, number>();
  let runs = 0;

  const routes: Array<[string, RegExp, Handler]> = [
    [
      "GET /scenarios/{id}",
      /^\/scenarios\/([^/]+)$/,
      (_c, [id], _q, send) =>
        id === "missing"
          ? send(404, { error: "no such scenario" })
          : send(200, {
              id,
              name: `Scenario ${id}`,
              enabled: true,
              steps: [{ kind: "http" }, { kind: "wait" }],
            }),
    ],
    [
      "POST /scenarios/{id}/runs",
      /^\/scenarios\/([^/]+)\/runs$/,
      (c, [id], _q, send) =>
        send(202, { id: `run-${++runs}`, scenarioId: id, reason: parse(c.body)?.reason ?? null }),
    ],
    [
      "GET /runs/{id}/status",
      /^\/runs\/([^/]+)\/status$/,
      (_c, [id], _q, send) => {
        const n = (polls.get(id!) ?? 0) + 1;
        polls.set(id!, n);
        if (state.done || n > state.pollsBeforeDone)
          send(200, { running: false, outcome: state.outcome, polls: n });
        else
          send(
            200,
            { running: true, polls: n },
            state.retryAfter === undefined ? {} : { "retry-after": state.retryAfter },
          );
      },
    ],
    [
      "ANY /echo/{item}",
      /^\/echo\/(.+)$/,
      (c, [item], query, send) =>
        send(
          200,
          {
            method: c.method,
            rawPath: c.rawPath,
            item: decodeURIComponent(item!),
            query: Object.fromEntries(
              [...new Set(query.keys())].map((k) => [
                k,
                query.getAll(k).length > 1 ? query.getAll(k) : query.get(k),
              ]),
            ),
            headers: c.headers,
            cookies: c.headers.cookie ?? null,
            body: c.body === "" ? null : (parse(c.body) ?? c.body),
          },
          { "x-echo-count": String(calls.length), "set-cookie": "session=abc123" },
        ),
    ],
    [
      "GET /flaky/{key}",
      /^\/flaky\/([^/]+)$/,
      (_c, [key], _q, send) => {
        const n = (flaky.get(key!) ?? 0) + 1;
        flaky.set(key!, n);
        if (n <= state.failures)
          send(
            503,
            { error: "busy", calls: n },
            state.retryAfter === undefined ? {} : { "retry-after": state.retryAfter },
          );
        else send(200, { key, calls: n });
      },
    ],
    [
      "GET /status/{code}",
      /^\/status\/(\d{3})$/,
      (_c, [code], _q, send) => send(Number(code), { code: Number(code) }),
    ],
    [
      "GET /slow/{ms}",
      /^\/slow\/(\d+)$/,
      (c, [ms], _q, send) => {
        setTimeout(
          () => send(200, { ms: Number(ms), started: c.time, ended: Date.now() }),
          Number(ms),
        );
      },
    ],
    [
      "POST /login",
      /^\/login$/,
      (c, _p, _q, send) => send(200, { token: `tok-${parse(c.body)?.user ?? "anon"}` }),
    ],
    [
      "GET /next/{id}",
      /^\/next\/([^/]+)$/,
      (_c, [id], _q, send) =>
        send(200, { id: decodeURIComponent(id!), next: `${decodeURIComponent(id!)}+` }),
    ],
  ];

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const rawUrl = request.url ?? "/";
      const [rawPath, search = ""] = rawUrl.split("?", 2) as [string, string?];
      const call: RecordedCall = {
        route: "",
        method: request.method ?? "GET",
        rawPath,
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        time: Date.now(),
      };
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { "content-type": "application/json", ...headers });
        response.end(body === undefined ? "" : JSON.stringify(body));
      };
      for (const [name, pattern, handler] of routes) {
        const m = pattern.exec(rawPath);
        const [method] = name.split(" ");
        if (!m || (method !== "ANY" && method !== call.method)) continue;
        call.route = name;
        calls.push(call);
        return handler(call, m.slice(1), new URLSearchParams(search), send);
      }
      call.route = "unknown";
      calls.push(call);
      send(404, { error: `no route for ${call.method} ${rawPath}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const mock: MockServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    get state() {
      return state;
    },
    set state(next: MockState) {
      state = next;
    },
    get calls() {
      return calls;
    },
    count: (route) => calls.filter((c) => c.route === route).length,
    reset() {
      state = defaults();
      calls = [];
      polls = new Map();
      flaky = new Map();
      runs = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return mock;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A runner fixture's path: test/fixtures/arazzo/run/NAME.arazzo.yaml. */
export const runFixture = (name: string) => `test/fixtures/arazzo/run/${name}.arazzo.yaml`;

/** Starts the mock server for a test file (reset before each test, closed after all) and hands it over. */
export function useMockServer(take: (server: MockServer) => void): void {
  let server: MockServer | undefined;
  beforeAll(async () => {
    server = await startMockServer();
    take(server);
  });
  afterAll(() => server?.close());
  beforeEach(() => server?.reset());
}

/** A port nothing listens on (it was free a moment ago): connections to it are refused. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
