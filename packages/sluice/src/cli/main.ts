/**
 * The `sluice` command. Each command's module is imported only when that command runs, so
 * `sluice --help` and small runs start fast.
 */
import { Command, CommanderError, Option } from "commander";
import { collect } from "./param-args.js";
import { EXIT, exitWhenFlushed, reportError } from "./exit.js";
import { endOutputQuietlyWhenClosed } from "./closed-output.js";
import { addRemoteOptions } from "./remote.js";
import { arazzoCommands } from "./parts.js";
import { SLUICE_VERSION } from "./version.js";
import { registerServerCommands } from "./server-commands.js";
import { registerModelCommands } from "./model-commands.js";

endOutputQuietlyWhenClosed();

// `--no-color`, anywhere on the line as most tools take it, is the same as NO_COLOR=1 (picocolors reads
// both when it loads); commander would otherwise reject it as an unknown option of the command.
if (process.argv.includes("--no-color")) {
  process.env.NO_COLOR = "1";
  process.argv = process.argv.filter((arg) => arg !== "--no-color");
}

const wantsJson = process.argv.includes("--json");

const program = new Command("sluice")
  .description(
    "Typed pipelines for data and ML work: preview what will run and why, run what is needed.",
  )
  .exitOverride()
  .showHelpAfterError("(add --help for usage)")
  .addHelpText(
    "after",
    "\nEvery command takes --no-color (or NO_COLOR=1) for output without colours.",
  )
  .option(
    "--stack <name>",
    "use this stack of the workspace config's stacks (or SLUICE_STACK), e.g. a shared PostgreSQL",
  )
  // Every command opens its home through the stack resolution, which reads SLUICE_STACK.
  .hook("preAction", (command) => {
    const stack = command.opts<{ stack?: string }>().stack;
    if (stack !== undefined) process.env.SLUICE_STACK = stack;
  });
// The program's own -V/--version only without a subcommand: `sluice compare --version v1 FILE` is
// compare's option (a program option would be recognised after the subcommand too).
if (!process.argv.slice(2).some((arg) => !arg.startsWith("-")))
  program.version(SLUICE_VERSION, "-V, --version");

const homeOption = () =>
  new Option(
    "--home <dir>",
    "the sluice home folder (default: SLUICE_HOME, else .sluice in the workspace root: the nearest folder up with sluice.config.* or package.json)",
  );
const paramOption = () =>
  new Option(
    "-p, --param <key=value>",
    "a parameter; values parse as JSON when they can (repeatable)",
  ).argParser(collect);
const contextOption = () =>
  new Option(
    "--context <name>",
    "take the params of this context (contexts/NAME.json, or the workspace config's contexts); --param values win",
  );
const paramsOption = () =>
  new Option(
    "--params <json>",
    "all the run's parameters as a JSON object, or @file.json holding one; --param values win",
  );
const durabilityOption = () =>
  new Option(
    "--durability <mode>",
    "strict: a step runs once its inputs are committed; batched: steps do not wait and writes commit in batches, for chains of pure steps (a crash reruns the last batch) (default: the pipeline's, else strict)",
  ).choices(["strict", "batched"]);
const paramSetOption = () =>
  new Option(
    "--param-set <file>",
    'a JSON file of named parameter sets ({ "name": { ...params } }), every set checked first',
  );
const noCheckDependenciesOption = () =>
  new Option(
    "--no-check-dependencies",
    "a step whose own output exists for its code and params is complete whatever its upstream says",
  );
const targetOption = () =>
  new Option("-t, --target <step>", "only this step and what it needs (repeatable)").argParser(
    collect,
  );
// The output options of every command that runs a pipeline (run, resume, rerun).
const jsonResultOption = () =>
  new Option("--json", "print the run result as JSON on stdout, and nothing else");
const quietOption = () => new Option("-q, --quiet", "no live tree, no summary");
const logLevelOption = () =>
  new Option(
    "--log-level <level>",
    "show step logs at this level and above: debug, info, warn, error",
  ).default("info");
const forceOption = () =>
  new Option("--force <step>", "rerun this step even if complete (repeatable)").argParser(collect);

program
  .command("run")
  .description("Run a pipeline module (its default export, or --pipeline NAME).")
  .argument("<file>", "a TypeScript or JavaScript module exporting a pipeline")
  .option("--pipeline <name>", "the exported pipeline to run, when the module has several")
  .addOption(paramOption())
  .addOption(targetOption())
  .addOption(forceOption())
  .option("--force-all", "rerun every step")
  .option("-c, --concurrency <n>", "how many steps may run at once")
  .addOption(durabilityOption())
  .addOption(jsonResultOption())
  .addOption(quietOption())
  .addOption(logLevelOption())
  .addOption(homeOption())
  .option("--in-memory", "record nothing on disk: runs and outputs live in this process only")
  .option(
    "--server <url>",
    "runFlow steps trigger their child runs on this sluice server (key from SLUICE_API_KEY; default: the workspace's server, else here)",
  )
  .addOption(paramSetOption())
  .addOption(paramsOption())
  .addOption(contextOption())
  .addOption(noCheckDependenciesOption())
  .option(
    "--only <step>",
    "run this step alone, its upstream read from the store (refused when some upstream has no stored output)",
  )
  .option(
    "--no-wait",
    "on a stack with workers: print the run's id once it is queued, instead of following it to its end",
  )
  .action(async (file: string, options) => {
    const { runCommand } = await import("./commands/run.js");
    process.exitCode = await runCommand(file, options);
  });

registerModelCommands(program, homeOption);

program
  .command("reset")
  .description(
    "Invalidate a step and everything downstream of it, so the next run recomputes them.",
  )
  .argument("<file>", "a TypeScript or JavaScript module exporting a pipeline")
  .argument("<step>", "the step to reset")
  .option("--pipeline <name>", "the exported pipeline, when the module has several")
  .addOption(paramOption())
  .addOption(paramsOption())
  .option("-y, --yes", "do not ask for confirmation")
  .option("--dry-run", "only show what would be reset")
  .addOption(homeOption())
  .option("--json", "print JSON")
  .action(async (file: string, step: string, options) => {
    const { resetCommand } = await import("./commands/reset.js");
    process.exitCode = await resetCommand(file, step, options);
  });

program
  .command("resume")
  .description(
    "Continue a failed, cancelled or crashed run: finished steps are reused, the rest runs.",
  )
  .argument("<run-id>", "the run to resume (see sluice runs)")
  .addOption(paramOption().makeOptionMandatory(false))
  .addOption(homeOption())
  .addOption(jsonResultOption())
  .addOption(quietOption())
  .addOption(logLevelOption())
  .action(async (runId: string, options) => {
    const { resumeCommand } = await import("./commands/run.js");
    process.exitCode = await resumeCommand(runId, options);
  });

program
  .command("rerun")
  .description(
    "Run again with an earlier run's parameters: every step, or --from STEP and everything downstream of it.",
  )
  .argument("<run-id>", "the run whose parameters to use (see sluice runs)")
  .option("--from <step>", "rerun this step and its downstream; the rest is reused")
  .addOption(paramOption().makeOptionMandatory(false))
  .option("-c, --concurrency <n>", "how many steps may run at once")
  .addOption(durabilityOption())
  .addOption(homeOption())
  .addOption(jsonResultOption())
  .addOption(quietOption())
  .addOption(logLevelOption())
  .action(async (runId: string, options) => {
    const { rerunCommand } = await import("./commands/run.js");
    process.exitCode = await rerunCommand(runId, options);
  });

program
  .command("output")
  .description(
    "Load a finished step's output for the given parameters (d6tflow's outputLoad), or say why there is none.",
  )
  .argument("<file>", "a TypeScript or JavaScript module exporting a pipeline")
  .argument("<step>", "the step whose output to load")
  .option("--pipeline <name>", "the exported pipeline, when the module has several")
  .addOption(paramOption())
  .addOption(paramsOption())
  .option("--json", "print the output as JSON (a dataset as an array of records)")
  .option(
    "-o, --out <file>",
    "write the output as stored: JSON, Arrow IPC or Parquet for a dataset, or bytes",
  )
  .addOption(homeOption())
  .action(async (file: string, step: string, options) => {
    const { outputCommand } = await import("./commands/output.js");
    process.exitCode = await outputCommand(file, step, options);
  });

addRemoteOptions(
  program
    .command("runs")
    .description("List recent runs with their status, start and duration.")
    .option("--pipeline <name>", "only runs of this pipeline")
    .option(
      "--status <status>",
      "only runs with this status: queued, running, succeeded, failed, cancelled",
    )
    .option(
      "--trigger <kind>",
      "only runs started this way: manual, api, schedule, parent (a runFlow step), event",
    )
    .option("--since <age>", "only runs started within this age: 30m, 12h, 7d")
    .option("-n, --limit <n>", "how many runs to list", "20")
    .option("--metrics", "a column per metric the runs recorded (ctx.metric, metrics() outputs)")
    .option("--tree", "children (runs started by runFlow steps) under their parent")
    .addOption(homeOption())
    .option("--json", "print JSON"),
).action(async (options) => {
  const { runsCommand } = await import("./commands/inspect.js");
  process.exitCode = await runsCommand(options);
});

addRemoteOptions(
  program
    .command("show")
    .description(
      "A run's status and, per step, status, reason, attempts, duration, cache key and output; the first failure first.",
    )
    .argument("<run-id>", "the run (see sluice runs)")
    .addOption(homeOption())
    .option("--http", "with each Arazzo step's HTTP call, print its headers and bodies")
    .option("--json", "print JSON"),
).action(async (runId: string, options) => {
  const { showCommand } = await import("./commands/inspect.js");
  process.exitCode = await showCommand(runId, options);
});

program
  .command("cancel")
  .description(
    "Cancel a run on the stack's workers (a run in one process is cancelled there, with Ctrl-C).",
  )
  .argument("<run-id>", "the run (see sluice runs)")
  .addOption(homeOption())
  .action(async (runId: string, options) => {
    const { cancelCommand } = await import("./commands/cancel.js");
    process.exitCode = await cancelCommand(runId, options);
  });

addRemoteOptions(
  program
    .command("logs")
    .description("What a run's steps logged (ctx.log and console output), with timestamps.")
    .argument("<run-id>", "the run (see sluice runs)")
    .argument("[step]", "only this step's logs")
    .option("--tail <n>", "only the last N lines")
    .addOption(homeOption())
    .option("--json", "print JSON"),
).action(async (runId: string, step: string | undefined, options) => {
  const { logsCommand } = await import("./commands/inspect.js");
  process.exitCode = await logsCommand(runId, step, options);
});

program
  .command("gc")
  .description(
    "Remove old runs and the stored outputs nothing needs; the newest output of every step is kept.",
  )
  .option("--keep-last <n>", "keep the newest N runs of each pipeline")
  .option("--older-than <age>", "only remove runs older than this (30d, 12h, 45m)")
  .option("--dry-run", "only say what would be removed")
  .addOption(homeOption())
  .option("--json", "print JSON")
  .action(async (options) => {
    const { gcCommand } = await import("./commands/gc.js");
    process.exitCode = await gcCommand(options);
  });

program
  .command("export")
  .description(
    "Write this stack's history (runs, logs, cached outputs, catalog, artifacts, API keys) to a file another stack imports.",
  )
  .argument("<file>", "the file to write (JSON Lines; written whole or not at all)")
  .addOption(homeOption())
  .option("--json", "print what was exported as JSON")
  .action(async (file: string, options) => {
    const { exportCommand } = await import("./commands/transfer.js");
    process.exitCode = await exportCommand(file, options);
  });

program
  .command("import")
  .description(
    "Add the history of a `sluice export` file to this stack (e.g. --stack prod); what it has already is skipped.",
  )
  .argument("<file>", "a file written by sluice export")
  .addOption(homeOption())
  .option("--json", "print what was imported as JSON")
  .action(async (file: string, options) => {
    const { importCommand } = await import("./commands/transfer.js");
    process.exitCode = await importCommand(file, options);
  });

addRemoteOptions(
  program
    .command("datasets")
    .description(
      "The catalog of datasets (and models, metrics) by pipeline and step, newest output of each.",
    )
    .option("--pipeline <name>", "only this pipeline's")
    .addOption(homeOption())
    .option("--json", "print JSON"),
).action(async (options) => {
  const { datasetsCommand } = await import("./commands/catalog.js");
  process.exitCode = await datasetsCommand(options);
});

addRemoteOptions(
  program
    .command("schema")
    .description("A dataset's columns and types.")
    .argument("<dataset>", "pipeline/step, a step name, or an artifact hash prefix")
    .addOption(homeOption())
    .option("--json", "print JSON"),
).action(async (query: string, options) => {
  const { schemaCommand } = await import("./commands/catalog.js");
  process.exitCode = await schemaCommand(query, options);
});

addRemoteOptions(
  program
    .command("head")
    .description("The first rows of a dataset.")
    .argument("<dataset>", "pipeline/step, a step name, or an artifact hash prefix")
    .option("-n <rows>", "how many rows", "10")
    .addOption(homeOption())
    .option("--json", "print JSON"),
).action(async (query: string, options) => {
  const { headCommand } = await import("./commands/catalog.js");
  process.exitCode = await headCommand(query, options);
});

addRemoteOptions(
  program
    .command("lineage")
    .description(
      "Where an artifact came from and what was made from it: upstream and downstream artifacts and steps.",
    )
    .argument(
      "<artifact-or-step>",
      "an artifact hash (or its first 12+ hex digits), pipeline/step or step",
    )
    .option("--depth <n>", "how many levels each way", "10")
    .addOption(homeOption())
    .option("--json", "print JSON"),
).action(async (query: string, options) => {
  const { lineageCommand } = await import("./commands/catalog.js");
  process.exitCode = await lineageCommand(query, options);
});

program
  .command("preview")
  .description("Show what a run would do and why, without running anything.")
  .argument("<file>", "a TypeScript or JavaScript module exporting a pipeline")
  .option("--pipeline <name>", "the exported pipeline, when the module has several")
  .addOption(paramOption())
  .addOption(targetOption())
  .addOption(forceOption())
  .option("--force-all", "preview a run that reruns every step")
  .addOption(paramsOption())
  .addOption(paramSetOption())
  .addOption(noCheckDependenciesOption())
  .option("--json", 'print { "steps": [{ "name", "status", "reason" }] } on stdout')
  .addOption(contextOption())
  .addOption(homeOption())
  .action(async (file: string, options) => {
    const { previewCommand } = await import("./commands/preview.js");
    process.exitCode = await previewCommand(file, options);
  });

program
  .command("graph")
  .description(
    "Print the execution order with each step's dependencies, or Mermaid / Graphviz source, or JSON.",
  )
  .argument("<file>", "a TypeScript or JavaScript module exporting a pipeline")
  .option("--pipeline <name>", "the exported pipeline, when the module has several")
  .option("-f, --format <format>", "text, mermaid, dot or json", "text")
  .option("--json", "print JSON (the same as --format json)")
  .action(async (file: string, options) => {
    const { graphCommand } = await import("./commands/graph.js");
    process.exitCode = await graphCommand(file, options);
  });

const arazzo = program
  .command("arazzo")
  .description("Validate, run and describe Arazzo 1.0 API workflow documents.");
const sourceUrlOption = () =>
  new Option(
    "--source-url <name=url>",
    "send this source description's operations to this server instead of its OpenAPI servers (repeatable)",
  ).argParser(collect);
const sourceFileOption = () =>
  new Option(
    "--source-file <name=path>",
    "load this source description from a local copy instead of its url (repeatable)",
  ).argParser(collect);
const localFilesOption = () =>
  new Option(
    "--allow-local-files",
    "let the document name sources by absolute path or file: URL (relative paths need no flag)",
  );

arazzo
  .command("validate")
  .description(
    "Check an Arazzo document and the descriptions it uses; every problem as file:line:column: message (hint).",
  )
  .argument("<file>", "an Arazzo document (YAML or JSON), path or http(s) URL")
  .addOption(sourceUrlOption())
  .addOption(sourceFileOption())
  .addOption(localFilesOption())
  .option("--json", "print { valid, workflows, diagnostics, warnings } as JSON")
  .option(
    "--strict",
    "forms sluice accepts with a warning (a runtime expression without braces, a JSONPath comparison) are errors",
  )
  .action(async (file: string, options) => {
    const { arazzoValidateCommand } = await arazzoCommands();
    process.exitCode = await arazzoValidateCommand(file, options);
  });

arazzo
  .command("run")
  .description(
    "Validate, then run a workflow (or every workflow) of an Arazzo document, recorded as a run.",
  )
  .argument("<file>", "an Arazzo document (YAML or JSON), path or http(s) URL")
  .option(
    "-w, --workflow <id>",
    "the workflow to run (its dependsOn run first); default: every workflow",
  )
  .addOption(
    new Option(
      "-i, --input <name=value>",
      "a workflow input; values parse as JSON when they can (repeatable)",
    ).argParser(collect),
  )
  .option(
    "--inputs <json|@file>",
    "workflow inputs as a JSON object, or @file.json; inputs not given are read from SLUICE_INPUT_<NAME>",
  )
  .addOption(sourceUrlOption())
  .addOption(sourceFileOption())
  .addOption(localFilesOption())
  .option(
    "--max-steps <n>",
    "step executions allowed in the run, retries and polls included",
    "1000",
  )
  .option("--timeout <ms>", "timeout of each HTTP attempt, in milliseconds")
  .option(
    "--poll-timeout <age>",
    "how long a poll loop without x-sluice-poll may go on: 90s, 30m, 2h or milliseconds (default 1h)",
  )
  .option(
    "--json",
    "print { runId, workflowId, success, outputs, steps } as JSON on stdout, and nothing else",
  )
  .option("-q, --quiet", "no step lines, no summary")
  .option(
    "--project <key>",
    "record the run under this project, so a server of that project lists it (default: default)",
  )
  .addOption(homeOption())
  .action(async (file: string, options) => {
    const { arazzoRunCommand } = await arazzoCommands();
    process.exitCode = await arazzoRunCommand(file, options);
  });

arazzo
  .command("fix")
  .description(
    "Rewrite the forms sluice accepts with a warning into the standard form; writes FILE's .fixed copy unless --write.",
  )
  .argument("<file>", "a local Arazzo document (YAML or JSON)")
  .option("--out <file>", "where to write the fixed document (default: NAME.fixed.EXT beside it)")
  .option("--write", "rewrite FILE itself")
  .action(async (file: string, options) => {
    const { arazzoFixCommand } = await arazzoCommands();
    process.exitCode = await arazzoFixCommand(file, options);
  });

arazzo
  .command("describe")
  .description(
    "Show an Arazzo document's workflows: inputs (names, types, required), steps and outputs.",
  )
  .argument("<file>", "an Arazzo document (YAML or JSON), path or http(s) URL")
  .option("-w, --workflow <id>", "only this workflow")
  .option("--json", "print JSON")
  .action(async (file: string, options) => {
    const { arazzoDescribeCommand } = await arazzoCommands();
    process.exitCode = await arazzoDescribeCommand(file, options);
  });

addRemoteOptions(
  program
    .command("compare")
    .description(
      "What differs between two runs: params, metrics (with deltas), the definition they ran, the steps that differed. With --version V FILE: today's definition in FILE beside the one recorded for version V, and their latest runs' metrics.",
    )
    .argument("<run-a>", "the first run (with --version: the pipeline module)")
    .argument("[run-b]", "the second run")
    .option(
      "--version <version>",
      "compare the pipeline module given as <run-a> with this recorded version (a label, or a hash prefix)",
    )
    .option(
      "--pipeline <name>",
      "with --version: the exported pipeline, when the module has several",
    )
    .addOption(homeOption())
    .option("--json", "print JSON"),
).action(async (a: string, b: string | undefined, options) => {
  const { usageError } = await import("./exit.js");
  if (options.version !== undefined) {
    if (b !== undefined)
      throw usageError("--version compares one pipeline module: give FILE only.");
    const { compareVersionCommand } = await import("./commands/versions.js");
    process.exitCode = await compareVersionCommand(a, options.version, options);
    return;
  }
  if (b === undefined)
    throw usageError("compare needs two runs (sluice compare RUN_A RUN_B), or --version V FILE.");
  const { compareCommand } = await import("./commands/inspect.js");
  process.exitCode = await compareCommand(a, b, options);
});

program
  .command("freeze")
  .description(
    "Write a pipeline's frozen snapshot (graph, code fingerprints, parameter schemas, version, SHA-256) as JSON, or compare it with an earlier one.",
  )
  .argument("<file>", "a TypeScript or JavaScript module exporting a pipeline")
  .option("--pipeline <name>", "the exported pipeline, when the module has several")
  .option("-o, --out <file>", "write the snapshot here (atomically) instead of stdout")
  .option(
    "--compare <snapshot.json>",
    "list the steps added, removed and changed since that snapshot",
  )
  .option("--json", "with --compare: print the comparison as JSON")
  .action(async (file: string, options) => {
    const { freezeCommand } = await import("./commands/freeze.js");
    process.exitCode = await freezeCommand(file, options);
  });

registerServerCommands(program, SLUICE_VERSION, homeOption);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    const benign =
      error.code === "commander.helpDisplayed" ||
      error.code === "commander.version" ||
      error.code === "commander.help";
    if (!benign && wantsJson)
      process.stdout.write(
        `${JSON.stringify({ error: { code: "invalid-usage", message: error.message.replace(/^error: /, "") } }, null, 2)}\n`,
      );
    process.exitCode = benign ? EXIT.ok : EXIT.invalid;
  } else {
    process.exitCode = reportError(error, wantsJson);
  }
}

// Every command has finished here. A step body that outlived its run (it ignored its timeout or its
// cancel) may still hold a timer: the command exits with its code now rather than when that fires.
await exitWhenFlushed();
