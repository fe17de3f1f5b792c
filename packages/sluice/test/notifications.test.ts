// Notification hooks (the workspace config's `on`): a webhook on 127.0.0.1 that fails once then takes the
// event, signed with HMAC-SHA256; a command fed the event on stdin; hooks limited to some flows; a missing
// secret; and bad config refused naming the field. Runs go through `sluice trigger` on a real home.
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { root, sluice, sluiceAsync } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

/** A webhook receiver on 127.0.0.1 answering with `statuses` in turn (then 200). */
async function receiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      response.statusCode = statuses.shift() ?? 200;
      response.end(response.statusCode >= 400 ? "try later" : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A workspace of the flow-of-flows fixture's flows with these notification hooks. */
function workspace(on: unknown): string {
  const dir = tempDir(".tmp-notify-", join(root, "test/fixtures"));
  writeFileSync(
    join(dir, "sluice.config.json"),
    JSON.stringify({ project: "notify", pipelines: ["../flow-of-flows/flows.ts"], on }),
  );
  return join(dir, "sluice.config.json");
}

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("notifications", () => {
  it("POSTs a failed run's end to a webhook, signed, retrying after a 503, and records each attempt", async () => {
    const hook = await receiver([503]);
    closers.push(hook.close);
    const config = workspace({
      failed: [{ id: "ops", webhook: hook.url, secretEnv: "HOOK_SECRET", retryDelayMs: 10 }],
    });
    const home = tempDir("sluice-notify-");
    const env = { FAIL_C: "1", HOOK_SECRET: "s3cret-value" };
    // Not spawnSync: this process must stay free to answer the webhook.
    const run = await sluiceAsync(["trigger", "C", "--config", config, "--json"], { home, env });
    expect(run.code, run.stderr).toBe(1);
    const runId = run.json().runId as string;

    // The CLI exits once its notifications are delivered: both attempts arrived.
    expect(hook.received).toHaveLength(2);
    const last = hook.received[1]!;
    const payload = JSON.parse(last.body);
    expect(payload).toMatchObject({
      hook: "ops",
      attempt: 2,
      event: { type: "run:end", runId, project: "notify", flow: "C", status: "failed" },
    });
    expect(payload.event.firstFailure.error.message).toContain("the warehouse is down");
    const timestamp = last.headers["x-sluice-timestamp"] as string;
    const expected = createHmac("sha256", "s3cret-value")
      .update(`${timestamp}.${last.body}`)
      .digest("hex");
    expect(last.headers["x-sluice-signature"]).toBe(`sha256=${expected}`);
    expect(last.headers["x-sluice-delivery"]).toBe(payload.deliveryId);
    expect(last.body).not.toContain("s3cret-value");

    const listed = sluice(["notifications", "--config", config, "--json"], { home });
    expect(listed.code, listed.stderr).toBe(0);
    const attempts = listed.json().attempts;
    expect(attempts.map((a: { attempt: number; ok: boolean; code: number }) => a)).toMatchObject([
      { attempt: 2, ok: true, code: 200, willRetry: false, hook: "ops", runId, flow: "C" },
      { attempt: 1, ok: false, code: 503, willRetry: true, error: "HTTP 503: try later" },
    ]);
    const text = sluice(["notifications", "--config", config], { home }).stdout;
    expect(text).toContain("failed, will retry (503)");
    expect(text).toContain("delivered (200)");
  });

  it("runs a command with the event on stdin for a failed step, and only hooks of the run's flow", () => {
    const config = workspace({
      "step-failed": [{ command: "cat > step-failed.json" }],
      succeeded: [
        {
          id: "a-done",
          command: "echo $SLUICE_FLOW $SLUICE_STATUS >> succeeded.txt",
          flows: ["A"],
        },
      ],
    });
    const dir = join(config, "..");
    const home = tempDir("sluice-notify-");
    expect(sluice(["trigger", "C", "--config", config], { home, env: { FAIL_C: "1" } }).code).toBe(
      1,
    );
    const event = JSON.parse(readFileSync(join(dir, "step-failed.json"), "utf8"));
    expect(event.event).toMatchObject({ type: "step:end", flow: "C", step: "crunch" });
    expect(event.event.result.status).toBe("failed");

    expect(sluice(["trigger", "C", "--config", config], { home }).code).toBe(0);
    expect(sluice(["trigger", "A", "--config", config], { home }).code).toBe(0);
    expect(readFileSync(join(dir, "succeeded.txt"), "utf8")).toBe("A succeeded\n");
  });

  it("sends nothing when the secret's variable is unset, and records why", async () => {
    const hook = await receiver();
    closers.push(hook.close);
    const config = workspace({ failed: [{ webhook: hook.url, secretEnv: "UNSET_SECRET_VAR" }] });
    const home = tempDir("sluice-notify-");
    await sluiceAsync(["trigger", "C", "--config", config], { home, env: { FAIL_C: "1" } });
    expect(hook.received).toHaveLength(0);
    const [attempt] = sluice(["notifications", "--config", config, "--json"], { home }).json()
      .attempts;
    expect(attempt).toMatchObject({ hook: "failed-1", ok: false, willRetry: false });
    expect(attempt.error).toContain("UNSET_SECRET_VAR");
  });

  it("refuses a hook that is both a webhook and a command, or names an unknown flow", () => {
    const both = workspace({ failed: [{ webhook: "http://127.0.0.1:1/x", command: "true" }] });
    const refused = sluice(["notifications", "--config", both]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('on.failed[0]: give either "webhook"');
    const unknown = workspace({ succeeded: [{ command: "true", flows: ["Z"] }] });
    expect(sluice(["notifications", "--config", unknown]).stderr).toContain(
      'on.succeeded[0]: unknown flow "Z"',
    );
  });
});
