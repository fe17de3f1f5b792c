/**
 * `sluice versions PIPELINE`: the versions of a pipeline with their first and last runs; `sluice
 * compare --version V FILE`: today's definition beside the one recorded for version V.
 */
import pc from "picocolors";
import { formatDuration } from "../../engine/index.js";
import { DEFAULT_PROJECT } from "../../store/index.js";
import {
  homeStores,
  listVersions,
  loadPipeline,
  type VersionComparison,
} from "../../runtime/index.js";
import { EXIT } from "../exit.js";
import { table } from "../table.js";

interface VersionsOptions {
  home?: string;
  json?: boolean;
  project?: string;
}

export async function versionsCommand(pipeline: string, options: VersionsOptions): Promise<number> {
  const stores = await homeStores(options.home, { recover: false });
  const versions = await listVersions(stores, options.project ?? DEFAULT_PROJECT, pipeline);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ pipeline, versions }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (versions.length === 0) {
    process.stdout.write(
      `No versions of pipeline "${pipeline}" recorded. Each run records its version (the pipeline's version option, else its hash).\n`,
    );
    return EXIT.ok;
  }
  const ago = (at: number | undefined) =>
    at === undefined ? "-" : `${formatDuration(Date.now() - at)} ago`;
  process.stdout.write(
    `${table(
      ["VERSION", "HASH", "RUNS", "FIRST RUN", "LAST RUN", "LAST OUTCOME"],
      versions.map((v) => [
        v.version,
        v.hash.slice(0, 12),
        String(v.runs),
        ago(v.firstRun?.startedAt),
        ago(v.lastRun?.startedAt),
        v.lastRun?.status ?? "-",
      ]),
    )}\n`,
  );
  return EXIT.ok;
}

export async function compareVersionCommand(
  file: string,
  version: string,
  options: VersionsOptions & { pipeline?: string },
): Promise<number> {
  const pipeline = await loadPipeline(file, options.pipeline);
  const comparison = await pipeline.compareWith(version, {
    home: options.home,
    project: options.project,
  });
  process.stdout.write(
    options.json ? `${JSON.stringify(comparison, null, 2)}\n` : comparisonText(comparison),
  );
  return EXIT.ok;
}

function comparisonText(c: VersionComparison): string {
  const label = (side: VersionComparison["from"]) =>
    `${side.version} (${side.hash.slice(0, 12)})${side.runId ? `, last run ${side.runId}` : ", no run yet"}`;
  const lines = [`${c.pipeline}: ${label(c.from)} -> today's definition ${label(c.to)}`, ""];
  const { changes } = c;
  if (changes.same) lines.push("The definitions are the same.");
  for (const step of changes.added) lines.push(pc.green(`+ ${step} (added)`));
  for (const step of changes.removed) lines.push(pc.red(`- ${step} (removed)`));
  for (const step of changes.changed)
    lines.push(pc.yellow(`~ ${step.step} (${step.changes.join(", ")} changed)`));
  const params = changes.params;
  if (params.added.length + params.removed.length + params.changed.length > 0)
    lines.push(
      `Params: ${[
        ...params.added.map((p) => `+${p}`),
        ...params.removed.map((p) => `-${p}`),
        ...params.changed.map((p) => `~${p}`),
      ].join(", ")}`,
    );
  lines.push("");
  if (c.metrics.length === 0)
    lines.push("Metrics: none to compare (both versions need a run with metrics).");
  else
    lines.push(
      table(
        ["STEP", "METRIC", c.from.version, c.to.version, "DELTA"],
        c.metrics.map((m) => [
          m.step,
          m.name,
          m.a === null ? "-" : String(m.a),
          m.b === null ? "-" : String(m.b),
          m.delta === null ? "-" : `${m.delta >= 0 ? "+" : ""}${Number(m.delta.toPrecision(6))}`,
        ]),
      ),
    );
  return `${lines.join("\n")}\n`;
}
