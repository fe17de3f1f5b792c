/** `sluice notifications`: the delivery attempts of the workspace's notification hooks, newest first. */
import { loadWorkspace } from "../../flows/index.js";
import { openHome } from "../../runtime/index.js";
import { EXIT, usageError } from "../exit.js";
import { table } from "../table.js";

export async function notificationsCommand(options: {
  config?: string;
  home?: string;
  run?: string;
  limit?: string;
  json?: boolean;
}): Promise<number> {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw usageError(`--limit must be a whole number of at least 1, got "${options.limit}".`);
  const workspace = await loadWorkspace(options.config);
  const home = await openHome(options.home, { recover: false });
  try {
    const attempts = await home.notifications.deliveryAttempts({
      project: workspace.project,
      ...(options.run === undefined ? {} : { runId: options.run }),
      limit,
    });
    const rows = attempts.map((a) => ({ ...a, at: new Date(a.at).toISOString() }));
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ attempts: rows }, null, 2)}\n`);
      return EXIT.ok;
    }
    if (rows.length === 0) {
      process.stdout.write(
        workspace.hooks.length === 0
          ? `No notification hooks in ${workspace.configPath} (add "on": { "failed": [{ "webhook": "https://..." }] }).\n`
          : "No notifications were sent yet.\n",
      );
      return EXIT.ok;
    }
    process.stdout.write(
      `${table(
        ["TIME", "HOOK", "EVENT", "RUN", "FLOW", "ATTEMPT", "RESULT"],
        rows.map((a) => [
          a.at,
          a.hook,
          `${a.event} ${a.status}`,
          a.runId,
          a.flow,
          String(a.attempt),
          (a.ok ? "delivered" : a.willRetry ? "failed, will retry" : "failed") +
            (a.code === undefined ? "" : ` (${a.code})`) +
            (a.error ? `: ${a.error}` : ""),
        ]),
      )}\n`,
    );
    return EXIT.ok;
  } finally {
    home.close();
  }
}
