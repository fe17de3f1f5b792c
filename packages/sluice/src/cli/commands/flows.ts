import { EXIT } from "../exit.js";
import { loadWorkspace, registerFlows } from "../../flows/index.js";
import { openHome } from "../../runtime/index.js";
import { table } from "../table.js";

/** `sluice flows`: the flows of the workspace, registered in the local home as the server would. */
export async function flowsCommand(options: {
  config?: string;
  home?: string;
  json?: boolean;
}): Promise<number> {
  const workspace = await loadWorkspace(options.config);
  const home = await openHome(options.home);
  try {
    await registerFlows(workspace, home.serverTables);
    const flows = [...workspace.flows.values()].map(({ definition: d, file }) => ({
      project: workspace.project,
      name: d.name,
      version: d.version,
      hash: d.hash,
      steps: d.steps.length,
      params: Object.keys(d.paramsSchema.properties),
      file,
    }));
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ project: workspace.project, flows }, null, 2)}\n`);
      return EXIT.ok;
    }
    process.stdout.write(`Project "${workspace.project}" (${workspace.configPath})\n`);
    process.stdout.write(
      `${table(
        ["FLOW", "VERSION", "HASH", "STEPS", "PARAMS"],
        flows.map((f) => [
          f.name,
          f.version,
          f.hash.slice(0, 12),
          String(f.steps),
          f.params.join(", ") || "-",
        ]),
      )}\n`,
    );
    return EXIT.ok;
  } finally {
    home.close();
  }
}
