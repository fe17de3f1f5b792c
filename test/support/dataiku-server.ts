/**
 * A mock of the three Dataiku DSS endpoints the seed workflow calls, on 127.0.0.1 (random port), in the
 * test process. Every call needs `Authorization: Bearer <apiKey>` (401 otherwise). A triggered
 * scenario runs for `durationMs` of the mock's clock (`now`, which a test may share with the runner's
 * fake clock), then reports `running: false` with its last run. Calls are counted per route.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface DataikuMock {
  url: string;
  calls: Array<{ route: string; authorization?: string }>;
  count(route: string): number;
  close(): Promise<void>;
}

export async function startDataikuMock(options: {
  apiKey: string;
  durationMs: number;
  now?: () => number;
}): Promise<DataikuMock> {
  const now = options.now ?? (() => Date.now());
  const calls: DataikuMock["calls"] = [];
  let runs = 0;
  let started: number | undefined;
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const match = /^\/projects\/([^/]+)\/scenarios\/([^/]+)\/(run|light)?$/.exec(path);
      const route = match ? `${req.method} ${match[3] ?? "scenario"}` : `${req.method} ${path}`;
      calls.push({ route, authorization: req.headers.authorization });
      if (req.headers.authorization !== `Bearer ${options.apiKey}`)
        return send(res, 401, { errorType: "Unauthorized", message: "no valid API key" });
      if (!match) return send(res, 404, { message: `no route ${path}` });
      const [, projectKey, scenarioId, action] = match;
      if (action === undefined && req.method === "GET")
        return send(res, 200, {
          id: scenarioId,
          projectKey,
          name: `Scenario ${scenarioId}`,
          active: true,
        });
      if (action === "run" && req.method === "POST") {
        started = now();
        return send(res, 200, { id: `run-${++runs}`, scenarioId, trigger: { type: "api" } });
      }
      if (action === "light" && req.method === "GET") {
        const running = started !== undefined && now() < started + options.durationMs;
        return send(res, 200, {
          running,
          lastRun: running ? null : { runId: `run-${runs}`, outcome: "SUCCESS", end: now() },
        });
      }
      return send(res, 405, { message: `${req.method} not allowed on ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    count: (route) => calls.filter((call) => call.route === route).length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
