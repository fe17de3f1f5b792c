/**
 * The typed client of sluice's HTTP API. Its types are in ./wire.ts, checked against the server's
 * zod schemas (@sluice/server, src/wire.ts) at compile time.
 * Uses the global fetch; no other dependency.
 */
import { readSse } from "./sse.js";
import type * as wire from "./wire.js";

export interface ClientOptions {
  /** The server, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** An API key made by `sluice keys create` (not needed by a server started with --insecure-local). */
  apiKey?: string;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

export interface RunFilter {
  flow?: string;
  status?: wire.RunSummary["status"];
  /** Runs started this way (manual: by hand or a script). */
  trigger?: wire.RunTrigger["kind"];
  /** Runs started at or after this time (an ISO 8601 timestamp). */
  since?: string;
  limit?: number;
}

export interface TriggerOptions extends wire.TriggerRequest {
  /** Sent as Idempotency-Key: the same key returns the same run. @defaultValue a new random key, reused by this call's retries */
  idempotencyKey?: string;
}

export interface WaitOptions {
  /** First poll interval; it grows by half each poll up to maxPollIntervalMs. @defaultValue 50 */
  pollIntervalMs?: number;
  /** @defaultValue 1000 */
  maxPollIntervalMs?: number;
  /** Give up waiting (the run goes on) after this long. @defaultValue no limit */
  timeoutMs?: number;
  /** Resolve with the run's status even when it did not succeed (instead of throwing SluiceRunFailedError). @defaultValue false */
  noFail?: boolean;
  signal?: AbortSignal;
}

/** An error answer of the API: its HTTP status, sluice error code, message and details. */
export class SluiceApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "SluiceApiError";
  }
}

/** A waited-for run that did not succeed; `run` is its full status (first failure first). */
export class SluiceRunFailedError extends Error {
  constructor(readonly run: wire.RunDetail) {
    const failure = run.firstFailure;
    super(
      `Run ${run.runId} of ${run.pipeline} ${run.status}${failure ? `: step "${failure.step ?? "-"}" [${failure.error.code}] ${failure.error.message}` : ""}`,
    );
    this.name = "SluiceRunFailedError";
  }
}

const RETRIES = 3;

export class SluiceClient {
  readonly baseUrl: string;
  private readonly apiKey?: string;
  private readonly fetchFn: typeof fetch;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    if (options.apiKey !== undefined) this.apiKey = options.apiKey;
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The caller's project and whether its key is read-only. */
  whoami(): Promise<wire.Whoami> {
    return this.request("GET", "/api/whoami");
  }

  health(): Promise<{ ok: boolean; version: string }> {
    return this.request("GET", "/api/health");
  }

  async projects(): Promise<wire.Project[]> {
    return (await this.request<{ projects: wire.Project[] }>("GET", "/api/projects")).projects;
  }

  project(key: string): ProjectClient {
    return new ProjectClient(this, key);
  }

  /**
   * A server-sent event stream, read with fetch (the key goes in a header, never in the URL): each
   * event as JSON, until the server ends the stream or `signal` aborts (the iteration then ends).
   */
  async *stream(path: string, signal?: AbortSignal): AsyncGenerator<wire.ServerEvent> {
    const headers: Record<string, string> = { accept: "text/event-stream" };
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    let response: Response;
    try {
      response = await this.fetchFn(`${this.baseUrl}${path}`, { headers, signal });
    } catch (error) {
      if (signal?.aborted) return;
      throw new SluiceApiError(
        0,
        "unreachable",
        `Cannot reach the sluice server at ${this.baseUrl} (${networkReason(error)})`,
        { server: this.baseUrl },
      );
    }
    if (!response.ok) throw await apiError(response);
    if (!response.body) return;
    try {
      for await (const message of readSse(response.body))
        yield JSON.parse(message.data) as wire.ServerEvent;
    } catch (error) {
      if (!signal?.aborted) throw error;
    }
  }

  /** One API call: JSON in and out; an error answer becomes a SluiceApiError. Idempotent calls are retried on network errors. */
  async request<T>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      headers?: Record<string, string>;
      retry?: boolean;
      raw?: boolean;
    } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const retry = options.retry ?? method === "GET";
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchFn(`${this.baseUrl}${path}`, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
        });
      } catch (error) {
        if (retry && attempt < RETRIES) {
          await delay(100 * attempt);
          continue;
        }
        throw new SluiceApiError(
          0,
          "unreachable",
          `Cannot reach the sluice server at ${this.baseUrl} (${networkReason(error)})`,
          { server: this.baseUrl },
        );
      }
      if (
        retry &&
        attempt < RETRIES &&
        (response.status === 502 || response.status === 503 || response.status === 504)
      ) {
        await delay(100 * attempt);
        continue;
      }
      if (!response.ok) throw await apiError(response);
      if (options.raw) return new Uint8Array(await response.arrayBuffer()) as T;
      return (await response.json()) as T;
    }
  }
}

export class ProjectClient {
  constructor(
    private readonly client: SluiceClient,
    readonly key: string,
  ) {}

  private path(rest: string): string {
    return `/api/projects/${encodeURIComponent(this.key)}${rest}`;
  }

  readonly flows = {
    list: async (): Promise<wire.FlowSummary[]> =>
      (await this.client.request<{ flows: wire.FlowSummary[] }>("GET", this.path("/flows"))).flows,
  };

  /** The live workers of the server's stack (`sluice worker`); none when its runs run in the server. */
  async workers(): Promise<wire.WorkerView[]> {
    return (await this.client.request<wire.WorkerList>("GET", this.path("/workers"))).workers;
  }

  /** The workspace's schedules (the server fires them): list, pause, resume, fire one tick now. */
  readonly schedules = {
    list: async (): Promise<wire.ScheduleView[]> =>
      (await this.client.request<wire.ScheduleList>("GET", this.path("/schedules"))).schedules,
    pause: (id: string): Promise<wire.ScheduleView> =>
      this.client.request("POST", this.path(`/schedules/${encodeURIComponent(id)}/pause`)),
    resume: (id: string): Promise<wire.ScheduleView> =>
      this.client.request("POST", this.path(`/schedules/${encodeURIComponent(id)}/resume`)),
    triggerNow: (id: string): Promise<wire.TickResult> =>
      this.client.request("POST", this.path(`/schedules/${encodeURIComponent(id)}/trigger`)),
  };

  flow(name: string): FlowClient {
    return new FlowClient(this.client, this, name, this.path(`/flows/${encodeURIComponent(name)}`));
  }

  readonly runs = {
    list: async (filter: RunFilter = {}): Promise<wire.RunSummary[]> =>
      (
        await this.client.request<{ runs: wire.RunSummary[] }>(
          "GET",
          this.path(`/runs${query(filter)}`),
        )
      ).runs,
    get: (runId: string): Promise<wire.RunDetail> =>
      this.client.request("GET", this.path(`/runs/${encodeURIComponent(runId)}`)),
    light: (runId: string): Promise<wire.LightStatus> =>
      this.client.request("GET", this.path(`/runs/${encodeURIComponent(runId)}/light`)),
    /** Metrics by step and name. */
    metrics: async (runId: string): Promise<wire.RunMetrics["metrics"]> =>
      (
        await this.client.request<wire.RunMetrics>(
          "GET",
          this.path(`/runs/${encodeURIComponent(runId)}/metrics`),
        )
      ).metrics,
    cancel: (runId: string): Promise<wire.RunSummary> =>
      this.client.request("POST", this.path(`/runs/${encodeURIComponent(runId)}/cancel`)),
    resume: (
      runId: string,
      options: { params?: Record<string, unknown> } = {},
    ): Promise<wire.RunSummary> =>
      this.client.request("POST", this.path(`/runs/${encodeURIComponent(runId)}/resume`), {
        body: options,
      }),
    /** The run's events, live: a `snapshot` first, then each event until `run:end` (or `signal` aborts). */
    events: (runId: string, options: { signal?: AbortSignal } = {}) =>
      this.client.stream(this.path(`/runs/${encodeURIComponent(runId)}/events`), options.signal),
    /** Polls the light status (with backoff) until the run ends; resolves with its full status. */
    wait: async (runId: string, options: WaitOptions = {}): Promise<wire.RunDetail> => {
      const started = Date.now();
      let interval = options.pollIntervalMs ?? 50;
      for (;;) {
        const light = await this.runs.light(runId);
        if (!light.running) break;
        if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs)
          throw new SluiceApiError(
            0,
            "timeout",
            `Run ${runId} was still ${light.status} after ${options.timeoutMs} ms (it goes on).`,
          );
        if (options.signal?.aborted) throw options.signal.reason;
        await delay(interval);
        interval = Math.min(interval * 1.5, options.maxPollIntervalMs ?? 1000);
      }
      const run = await this.runs.get(runId);
      if (run.status !== "succeeded" && !options.noFail) throw new SluiceRunFailedError(run);
      return run;
    },
  };

  async log(
    runId: string,
    options: { tail?: number; step?: string } = {},
  ): Promise<wire.LogLine[]> {
    return (
      await this.client.request<{ logs: wire.LogLine[] }>(
        "GET",
        this.path(`/runs/${encodeURIComponent(runId)}/logs${query(options)}`),
      )
    ).logs;
  }

  readonly datasets = {
    list: async (filter: { flow?: string } = {}): Promise<wire.Dataset[]> =>
      (
        await this.client.request<{ datasets: wire.Dataset[] }>(
          "GET",
          this.path(`/datasets${query(filter)}`),
        )
      ).datasets,
  };

  /** The model registry: every registered version, by name then newest first. */
  readonly models = {
    list: async (): Promise<wire.Model[]> =>
      (await this.client.request<{ models: wire.Model[] }>("GET", this.path("/models"))).models,
  };

  /** A registered model by name: one version (or the one at a stage), and promotions. */
  model(name: string) {
    const base = this.path(`/models/${encodeURIComponent(name)}/versions`);
    return {
      /** A version ("3"), or the version at a stage ("production"). */
      get: (version: string): Promise<wire.Model> =>
        this.client.request("GET", `${base}/${encodeURIComponent(version)}`),
      /** Puts a version at a stage (recorded with this key's name); the one there before moves to archive. */
      promote: (version: string, stage: wire.ModelStage): Promise<wire.Model> =>
        this.client.request("POST", `${base}/${encodeURIComponent(version)}/promote`, {
          body: { stage },
        }),
    };
  }

  /** A dataset by "pipeline/step", step name or artifact hash prefix. */
  dataset(name: string) {
    const base = this.path(`/datasets/${encodeURIComponent(name)}`);
    return {
      schema: (): Promise<wire.DatasetSchema> => this.client.request("GET", base),
      rows: (limit = 10): Promise<wire.DatasetRows> =>
        this.client.request("GET", `${base}/rows?limit=${limit}`),
    };
  }

  /** An artifact by its hash, or a prefix of it of at least 12 hex digits naming one artifact (several: a 409 SluiceApiError). */
  artifact(hash: string) {
    const base = this.path(`/artifacts/${encodeURIComponent(hash)}`);
    return {
      meta: (): Promise<wire.ArtifactMeta> => this.client.request("GET", base),
      /** The stored bytes: JSON text, Arrow IPC (datasets) or the blob. */
      download: (): Promise<Uint8Array> =>
        this.client.request("GET", `${base}/content`, { raw: true }),
    };
  }

  /** Every event of the project's runs, live, until `signal` aborts. */
  events(options: { signal?: AbortSignal } = {}): AsyncGenerator<wire.ServerEvent> {
    return this.client.stream(this.path("/events"), options.signal);
  }

  /** What differs from run `a` to run `b`: params, metrics with deltas, the steps that differed. */
  compare(a: string, b: string): Promise<wire.RunComparison> {
    return this.client.request("GET", this.path(`/compare${query({ a, b })}`));
  }

  lineage(ref: string, options: { depth?: number } = {}): Promise<wire.Lineage> {
    return this.client.request(
      "GET",
      this.path(`/lineage/${encodeURIComponent(ref)}${query(options)}`),
    );
  }
}

export class FlowClient {
  constructor(
    private readonly client: SluiceClient,
    private readonly project: ProjectClient,
    readonly name: string,
    private readonly base: string,
  ) {}

  get(): Promise<wire.FlowDetail> {
    return this.client.request("GET", this.base);
  }

  /** What a run with these params would do, and why (runs nothing; a read-only key may ask). */
  preview(options: wire.PreviewRequest = {}): Promise<wire.FlowPreview> {
    return this.client.request("POST", `${this.base}/preview`, { body: options });
  }

  /** Invalidates `step` and its downstream for these params; with `dryRun`, only says which. */
  reset(
    step: string,
    options: { params?: Record<string, unknown>; dryRun?: boolean } = {},
  ): Promise<wire.ResetResult> {
    return this.client.request("POST", `${this.base}/reset`, { body: { step, ...options } });
  }

  /** Starts a run. Retried on network errors with one Idempotency-Key, so a retry never starts a second run. */
  trigger(options: TriggerOptions = {}): Promise<wire.TriggerResponse> {
    const { idempotencyKey, ...body } = options;
    const key = idempotencyKey ?? globalThis.crypto.randomUUID();
    return this.client.request("POST", `${this.base}/runs`, {
      body,
      headers: { "idempotency-key": key },
      retry: true,
    });
  }

  /** Triggers a run; with `wait`, waits for it and resolves with its full status (throwing when it failed, unless `noFail`). */
  run(options: TriggerOptions & WaitOptions & { wait: true }): Promise<wire.RunDetail>;
  run(options?: TriggerOptions & { wait?: false }): Promise<wire.TriggerResponse>;
  async run(
    options: TriggerOptions & WaitOptions & { wait?: boolean } = {},
  ): Promise<wire.RunDetail | wire.TriggerResponse> {
    const { wait, pollIntervalMs, maxPollIntervalMs, timeoutMs, noFail, signal, ...trigger } =
      options;
    const started = await this.trigger(trigger);
    if (!wait) return started;
    return this.project.runs.wait(started.runId, {
      pollIntervalMs,
      maxPollIntervalMs,
      timeoutMs,
      noFail,
      signal,
    });
  }
}

async function apiError(response: Response): Promise<SluiceApiError> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text) as wire.ErrorBody;
    return new SluiceApiError(response.status, error.code, error.message, error.details);
  } catch {
    return new SluiceApiError(
      response.status,
      "http-error",
      `HTTP ${response.status}: ${text.slice(0, 200)}`,
    );
  }
}

/** Why a request got no answer: fetch says only "fetch failed"; its cause says more (ECONNREFUSED, ENOTFOUND, ...). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function query(values: object): string {
  const entries = Object.entries(values).filter(([, value]) => value !== undefined);
  return entries.length === 0
    ? ""
    : `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
