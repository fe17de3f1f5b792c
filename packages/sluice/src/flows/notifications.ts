/**
 * Notifications: the workspace config's `on: { failed: [...], succeeded: [...], cancelled: [...],
 * "step-failed": [...] }` hooks. When a run of a workspace flow ends in that state (or one of its steps
 * fails), each matching hook gets the event as JSON: a webhook by POST, signed with HMAC-SHA256 when
 * `secretEnv` names the environment variable holding the secret, or a command through `sh -c`, the JSON
 * on its stdin and in SLUICE_EVENT. Failed attempts are retried with exponential backoff; every attempt
 * is recorded in the store's NotificationStore (`sluice notifications`).
 */
import { spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { SluiceError } from "../core/index.js";
import type { SluiceEvent, SluiceEventListener, Stores } from "../engine/index.js";
import type { DeliveryAttempt } from "../store/index.js";

export const NOTIFY_WHEN = ["failed", "succeeded", "cancelled", "step-failed"] as const;
export type NotifyWhen = (typeof NOTIFY_WHEN)[number];

/** A hook as the config declares it (see hookSchema in workspace.ts). */
export interface NotificationHookConfig {
  id?: string;
  webhook?: string;
  command?: string;
  /** The environment variable holding the webhook's signing secret (the secret never goes in the file). */
  secretEnv?: string;
  headers?: Record<string, string>;
  /** Only runs of these flows. @defaultValue every flow */
  flows?: string[];
  /** Attempts after the first. @defaultValue 3 */
  retries?: number;
  /** The first retry's delay; each next one doubles. @defaultValue 1000 */
  retryDelayMs?: number;
  /** Per attempt. @defaultValue 10000 */
  timeoutMs?: number;
}

export interface NotificationHook {
  id: string;
  when: NotifyWhen;
  webhook?: string;
  command?: string;
  secretEnv?: string;
  headers: Record<string, string>;
  flows?: ReadonlySet<string>;
  retries: number;
  retryDelayMs: number;
  timeoutMs: number;
  /** A command runs in the workspace's folder. */
  cwd: string;
}

/** The hooks of `on`, checked against the workspace's flows; errors name the field. */
export function checkHooks(
  on: Partial<Record<NotifyWhen, NotificationHookConfig[]>> | undefined,
  flows: ReadonlySet<string>,
  configPath: string,
  cwd: string,
): NotificationHook[] {
  const hooks: NotificationHook[] = [];
  const ids = new Set<string>();
  for (const when of NOTIFY_WHEN) {
    for (const [index, given] of (on?.[when] ?? []).entries()) {
      const field = `on.${when}[${index}]`;
      const refuse = (message: string) =>
        new SluiceError("invalid-usage", `${configPath}: ${field}: ${message}`, {
          details: { field },
        });
      if ((given.webhook === undefined) === (given.command === undefined))
        throw refuse('give either "webhook" (a URL to POST the event to) or "command", not both.');
      if (given.webhook !== undefined && !/^https?:\/\//.test(given.webhook))
        throw refuse(`webhook must be an http:// or https:// URL, got "${given.webhook}".`);
      for (const flow of given.flows ?? [])
        if (!flows.has(flow))
          throw refuse(`unknown flow "${flow}"; the flows are ${[...flows].join(", ")}.`);
      const id = given.id ?? `${when}-${index + 1}`;
      if (ids.has(id)) throw refuse(`two hooks have the id "${id}"; give each its own.`);
      ids.add(id);
      hooks.push({
        id,
        when,
        ...(given.webhook === undefined ? {} : { webhook: given.webhook }),
        ...(given.command === undefined ? {} : { command: given.command }),
        ...(given.secretEnv === undefined ? {} : { secretEnv: given.secretEnv }),
        headers: given.headers ?? {},
        ...(given.flows === undefined ? {} : { flows: new Set(given.flows) }),
        retries: given.retries ?? 3,
        retryDelayMs: given.retryDelayMs ?? 1000,
        timeoutMs: given.timeoutMs ?? 10_000,
        cwd,
      });
    }
  }
  return hooks;
}

const pending = new Set<Promise<void>>();

/** Resolves once every delivery this process started has succeeded or given up. */
export async function notificationsDelivered(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}

/**
 * `listener` (if any), plus the deliveries of `hooks` for this run's events: the run's end in a
 * state a hook waits for, and failed steps for "step-failed" hooks.
 */
export function withNotifications(
  hooks: readonly NotificationHook[],
  run: { project: string; flow: string },
  stores: Stores,
  listener?: SluiceEventListener,
): SluiceEventListener | undefined {
  const mine = hooks.filter((hook) => !hook.flows || hook.flows.has(run.flow));
  if (mine.length === 0) return listener;
  return (event) => {
    listener?.(event);
    const when = whenOf(event);
    if (when === undefined) return;
    const payload = payloadOf(event, run);
    for (const hook of mine) {
      if (hook.when !== when) continue;
      const delivery = deliver(hook, payload, run, stores).finally(() => pending.delete(delivery));
      pending.add(delivery);
    }
  };
}

function whenOf(event: SluiceEvent): NotifyWhen | undefined {
  if (event.type === "run:end") {
    const { status } = event.result;
    return status === "failed" || status === "succeeded" || status === "cancelled"
      ? status
      : undefined;
  }
  if (event.type === "step:end" && event.result.status === "failed") return "step-failed";
  return undefined;
}

/** The event as the server's SSE stream sends it, with the flow's name. */
function payloadOf(event: SluiceEvent, run: { project: string; flow: string }) {
  const common = { runId: event.runId, project: run.project, flow: run.flow };
  if (event.type === "run:end") {
    const { result } = event;
    return {
      type: "run:end" as const,
      ...common,
      status: result.status,
      success: result.success,
      durationMs: result.durationMs,
      ...(result.firstFailure ? { firstFailure: result.firstFailure } : {}),
    };
  }
  const { result } = event as Extract<SluiceEvent, { type: "step:end" }>;
  return { type: "step:end" as const, ...common, step: result.name, result };
}

type Payload = ReturnType<typeof payloadOf>;

async function deliver(
  hook: NotificationHook,
  payload: Payload,
  run: { project: string; flow: string },
  stores: Stores,
): Promise<void> {
  const deliveryId = randomUUID();
  const status = payload.type === "run:end" ? payload.status : "failed";
  for (let attempt = 1; ; attempt++) {
    const body = JSON.stringify({ deliveryId, hook: hook.id, attempt, event: payload });
    const outcome = await attemptOnce(hook, body, deliveryId).catch((error: unknown): Outcome => ({
      ok: false,
      retryable: true,
      error: messageOf(error),
    }));
    const willRetry = !outcome.ok && outcome.retryable && attempt <= hook.retries;
    const record: DeliveryAttempt = {
      deliveryId,
      attempt,
      project: run.project,
      hook: hook.id,
      event: payload.type,
      status,
      runId: payload.runId,
      flow: run.flow,
      at: Date.now(),
      ok: outcome.ok,
      ...(outcome.code === undefined ? {} : { code: outcome.code }),
      ...(outcome.error === undefined ? {} : { error: outcome.error.slice(0, 500) }),
      willRetry,
    };
    // A store that cannot record is no reason to stop delivering.
    await Promise.resolve(stores.notifications?.recordDeliveryAttempt(record)).catch(
      () => undefined,
    );
    if (!willRetry) return;
    await new Promise((resolve) => setTimeout(resolve, hook.retryDelayMs * 2 ** (attempt - 1)));
  }
}

interface Outcome {
  ok: boolean;
  /** false: trying again cannot help (a 4xx answer, a missing secret). */
  retryable: boolean;
  code?: number;
  error?: string;
}

function attemptOnce(hook: NotificationHook, body: string, deliveryId: string): Promise<Outcome> {
  return hook.webhook !== undefined
    ? postWebhook(hook, hook.webhook, body, deliveryId)
    : runCommand(hook, hook.command!, body);
}

async function postWebhook(
  hook: NotificationHook,
  url: string,
  body: string,
  deliveryId: string,
): Promise<Outcome> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    ...hook.headers,
    "content-type": "application/json",
    "user-agent": "sluice-notifications",
    "x-sluice-delivery": deliveryId,
    "x-sluice-timestamp": timestamp,
  };
  if (hook.secretEnv !== undefined) {
    const secret = process.env[hook.secretEnv];
    if (!secret)
      return {
        ok: false,
        retryable: false,
        error: `environment variable ${hook.secretEnv} (the hook's secretEnv) is not set; nothing was sent.`,
      };
    // Signed over "timestamp.body", so a receiver can refuse replays of old deliveries.
    headers["x-sluice-signature"] =
      `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
  }
  const response = await fetch(url, {
    method: "POST",
    headers,
    body,
    signal: AbortSignal.timeout(hook.timeoutMs),
  });
  const text = await response.text().catch(() => "");
  if (response.ok) return { ok: true, retryable: false, code: response.status };
  const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
  return {
    ok: false,
    retryable,
    code: response.status,
    error: `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`,
  };
}

function runCommand(hook: NotificationHook, command: string, body: string): Promise<Outcome> {
  const event = (JSON.parse(body) as { event: Payload }).event;
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", command], {
      cwd: hook.cwd,
      env: {
        ...process.env,
        SLUICE_EVENT: body,
        SLUICE_RUN_ID: event.runId,
        SLUICE_FLOW: event.flow,
        SLUICE_STATUS: event.type === "run:end" ? event.status : "failed",
      },
      stdio: ["pipe", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < 2000) stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), hook.timeoutMs);
    child.stdin.on("error", () => undefined);
    child.stdin.end(body);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ ok: false, retryable: true, error: error.message });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ok: true, retryable: false, code: 0 });
      else
        resolve({
          ok: false,
          retryable: true,
          ...(code === null ? {} : { code }),
          error: signal
            ? `killed by ${signal}${signal === "SIGKILL" ? ` after ${hook.timeoutMs} ms` : ""}`
            : `exit code ${code}${stderr ? `: ${stderr.trim().slice(0, 300)}` : ""}`,
        });
    });
  });
}

/** A failed fetch says "fetch failed"; the reason (refused, DNS, timeout) is its cause. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
