/** Registers the server-side commands: `sluice server`, `sluice keys ...`, `sluice flows`. */
import { Option, type Command } from "commander";
import { collect } from "./param-args.js";
import { serverCommands, workerCommands } from "./parts.js";
import { addRemoteOptions } from "./remote.js";

export function registerServerCommands(
  program: Command,
  version: string,
  homeOption: () => Option,
): void {
  const configOption = () =>
    new Option(
      "--config <file|dir>",
      "the workspace config (sluice.config.ts/.js/.json), or its folder (default: the working directory)",
    );

  program
    .command("server")
    .description(
      "Serve the HTTP API for the workspace's flows (sluice.config.*): trigger, inspect, stream runs.",
    )
    .addOption(configOption())
    .option("--port <port>", "the port to listen on", "8080")
    .option("--host <host>", "the address to bind", "127.0.0.1")
    .option("--insecure-local", "do not require API keys (only allowed with --host 127.0.0.1)")
    .option("--no-scheduler", "do not fire the workspace's schedules here (another process does)")
    .addOption(homeOption())
    .action(async (options) => {
      const { serverCommand } = await serverCommands();
      process.exitCode = await serverCommand(options, version);
    });

  program
    .command("openapi")
    .description(
      "Print the HTTP API's OpenAPI 3.1 document (what /api/openapi.json serves), or write it to a file.",
    )
    .option("-o, --out <file>", "write it here (atomically) instead of stdout")
    .action(async (options: { out?: string }) => {
      const { openapiCommand } = await serverCommands();
      process.exitCode = await openapiCommand(options, version);
    });

  program
    .command("worker")
    .description(
      'Execute steps of runs dispatched to a PostgreSQL stack (its config says executor: "workers"), with the workspace\'s flows.',
    )
    .addOption(configOption())
    .option("-c, --concurrency <n>", "how many steps this worker runs at once", "4")
    .option(
      "--queues <names>",
      "the queues it serves, comma-separated (steps name theirs with queue:)",
      "default",
    )
    .addOption(homeOption())
    .action(async (options) => {
      const { workerCommand } = await workerCommands();
      process.exitCode = await workerCommand(options);
    });

  program
    .command("workers")
    .description(
      "List the stack's live workers: host, queues, concurrency, running steps, last heartbeat.",
    )
    .addOption(homeOption())
    .option("--json", "print JSON")
    .action(async (options) => {
      const { workersCommand } = await workerCommands();
      process.exitCode = await workersCommand(options);
    });

  program
    .command("flows")
    .description(
      "List (and register) the flows of the workspace: name, version, definition hash, params.",
    )
    .addOption(configOption())
    .addOption(homeOption())
    .option("--json", "print JSON")
    .action(async (options) => {
      const { flowsCommand } = await import("./commands/flows.js");
      process.exitCode = await flowsCommand(options);
    });

  program
    .command("scheduler")
    .description(
      "Fire the workspace's schedules on their ticks until interrupted (one tick fires once across schedulers on a home).",
    )
    .addOption(configOption())
    .addOption(homeOption())
    .option("--once", "fire the ticks due now, wait for their runs, and exit")
    .option("--now <iso>", "the clock stands still at this moment (backfills and tests)")
    .action(async (options) => {
      const { schedulerCommand } = await import("./commands/schedules.js");
      process.exitCode = await schedulerCommand(options);
    });

  program
    .command("notifications")
    .description(
      "Delivery attempts of the workspace's notification hooks (its config's `on`), newest first.",
    )
    .addOption(configOption())
    .addOption(homeOption())
    .option("--run <id>", "only the notifications of this run")
    .option("--limit <n>", "at most this many attempts (default 50)")
    .option("--json", "print JSON")
    .action(async (options) => {
      const { notificationsCommand } = await import("./commands/notifications.js");
      process.exitCode = await notificationsCommand(options);
    });

  const schedules = program
    .command("schedules")
    .description("The workspace's schedules: list, pause, resume, trigger-now.");
  schedules
    .command("list")
    .description("Each schedule with its next and last tick, and whether it is paused.")
    .addOption(configOption())
    .addOption(homeOption())
    .option("--json", "print JSON")
    .option("--now <iso>", "compute the next tick from this moment")
    .action(async (options) => {
      const { schedulesListCommand } = await import("./commands/schedules.js");
      process.exitCode = await schedulesListCommand(options);
    });
  for (const [name, paused] of [
    ["pause", true],
    ["resume", false],
  ] as const)
    schedules
      .command(name)
      .description(`${paused ? "Pause" : "Resume"} a schedule, for every scheduler on this home.`)
      .argument("<id>", "the schedule's id (see sluice schedules list)")
      .addOption(configOption())
      .addOption(homeOption())
      .action(async (id: string, options) => {
        const { schedulesPauseCommand } = await import("./commands/schedules.js");
        process.exitCode = await schedulesPauseCommand(id, paused, options);
      });
  schedules
    .command("trigger-now")
    .description("Fire one tick of a schedule now, as it would fire, and wait for its run.")
    .argument("<id>", "the schedule's id (see sluice schedules list)")
    .addOption(configOption())
    .addOption(homeOption())
    .option("--json", "print JSON")
    .action(async (id: string, options) => {
      const { schedulesTriggerNowCommand } = await import("./commands/schedules.js");
      process.exitCode = await schedulesTriggerNowCommand(id, options);
    });

  addRemoteOptions(
    program
      .command("trigger")
      .description(
        "Trigger a flow by name: on a server (--server, SLUICE_SERVER), or here from the workspace (waits).",
      )
      .argument("<flow>", "the flow's name (see sluice flows)")
      .addOption(
        new Option(
          "-p, --param <key=value>",
          "a parameter; values parse as JSON when they can (repeatable)",
        ).argParser(collect),
      )
      .option(
        "--wait",
        "wait for the run to end (polling its light status) and exit 1 if it failed",
      )
      .option(
        "--context <name>",
        "take the params of this context of the workspace (contexts/NAME.json or the config's contexts); --param values win",
      )
      .option("--idempotency-key <key>", "the same key returns the same run, never a second one")
      .option("--flow-version <version>", "refuse unless this is the version the server has loaded")
      .addOption(configOption())
      .addOption(homeOption())
      .option("--json", "print the run as JSON"),
  ).action(async (flow: string, options) => {
    const { triggerCommand } = await import("./commands/trigger.js");
    process.exitCode = await triggerCommand(flow, options);
  });

  const keys = program
    .command("keys")
    .description("API keys for the server: create (shown once), list, revoke.");
  keys
    .command("create")
    .description("Create an API key for a project and print it (only its hash is stored).")
    .requiredOption("--project <key>", "the project the key can access")
    .option("--read-only", "the key can read, but not trigger, cancel or resume")
    .option("--name <name>", "a label for the key")
    .addOption(homeOption())
    .option("--json", "print JSON")
    .action(async (options) => {
      const { keysCreateCommand } = await serverCommands();
      process.exitCode = await keysCreateCommand(options);
    });
  keys
    .command("list")
    .description("List API keys (ids, projects, access; never the keys themselves).")
    .option("--project <key>", "only this project's keys")
    .addOption(homeOption())
    .option("--json", "print JSON")
    .action(async (options) => {
      const { keysListCommand } = await serverCommands();
      process.exitCode = await keysListCommand(options);
    });
  keys
    .command("revoke")
    .description("Revoke an API key by its id.")
    .argument("<key-id>", "the key's id (see sluice keys list)")
    .addOption(homeOption())
    .option("--json", "print JSON")
    .action(async (keyId: string, options) => {
      const { keysRevokeCommand } = await serverCommands();
      process.exitCode = await keysRevokeCommand(keyId, options);
    });
}
