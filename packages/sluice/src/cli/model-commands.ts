/** Registers the ML lifecycle's commands: `sluice models list|show|promote|load` and `sluice versions`. */
import type { Command, Option } from "commander";
import { addRemoteOptions } from "./remote.js";

export function registerModelCommands(program: Command, homeOption: () => Option): void {
  const models = program
    .command("models")
    .description(
      "The model registry: outputs tagged model() are registered when their run succeeds; list, show, promote and load them.",
    );
  addRemoteOptions(
    models
      .command("list")
      .description("Every registered model version, by name then newest first.")
      .addOption(homeOption())
      .option("--json", "print JSON"),
  ).action(async (options) => {
    const { modelsListCommand } = await import("./commands/models.js");
    process.exitCode = await modelsListCommand(options);
  });
  addRemoteOptions(
    models
      .command("show")
      .description(
        "One model version: its run, params, metrics, definition, inputs and promotions.",
      )
      .argument("<name>", "the model's name")
      .argument(
        "[version]",
        "a version, or a stage (staging, production, archive); default: production",
      )
      .addOption(homeOption())
      .option("--json", "print JSON"),
  ).action(async (name: string, version: string | undefined, options) => {
    const { modelsShowCommand } = await import("./commands/models.js");
    process.exitCode = await modelsShowCommand(name, version, options);
  });
  addRemoteOptions(
    models
      .command("promote")
      .description(
        "Put a model version at a stage; the version there before (staging, production) moves to archive. Recorded with who and when.",
      )
      .argument("<name>", "the model's name")
      .argument("<version>", "the version to promote")
      .requiredOption("--stage <stage>", "staging, production or archive")
      .addOption(homeOption())
      .option("--json", "print the promoted version as JSON"),
  ).action(async (name: string, version: string, options) => {
    const { modelsPromoteCommand } = await import("./commands/models.js");
    process.exitCode = await modelsPromoteCommand(name, version, options);
  });
  addRemoteOptions(
    models
      .command("load")
      .description("Print a model's stored value as JSON, or write it as stored with --out.")
      .argument(
        "<ref>",
        "NAME, NAME@STAGE (e.g. iris@production) or NAME@VERSION; default stage production",
      )
      .option("-o, --out <file>", "write the model as stored (JSON or bytes)")
      .addOption(homeOption()),
  ).action(async (ref: string, options) => {
    const { modelsLoadCommand } = await import("./commands/models.js");
    process.exitCode = await modelsLoadCommand(ref, options);
  });

  program
    .command("versions")
    .description(
      "List a pipeline's versions (each run records its version and definition) with their first and last runs and last outcome.",
    )
    .argument("<pipeline>", "the pipeline's name")
    .option("--project <key>", "the project its runs are recorded in")
    .addOption(homeOption())
    .option("--json", "print JSON")
    .action(async (pipeline: string, options) => {
      const { versionsCommand } = await import("./commands/versions.js");
      process.exitCode = await versionsCommand(pipeline, options);
    });
}
