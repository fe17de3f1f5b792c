/**
 * Moving history between stacks: `sluice export FILE` writes a stack's runs (with their steps, logs and
 * metrics), completions, catalog entries, artifacts, API keys (their hashes) and flow versions to one
 * JSON Lines file; `sluice import FILE` adds them to another stack. So a team can start on the embedded
 * home and move to PostgreSQL without losing history or cache.
 *
 * The file is written to a temporary name and renamed, so a partial export is never seen. An import
 * adds what the target lacks and skips what it has (runs and completions by id, keys by hash), so
 * running it again after an interruption finishes it. Each artifact is checked against its hash.
 */
import { createReadStream, createWriteStream, renameSync, rmSync } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { type ArtifactRef, type EncodedValue } from "../artifacts/index.js";
import { SluiceError } from "../core/index.js";
import {
  DEFAULT_PROJECT,
  type ApiKeyRecord,
  type Completion,
  type DatasetRecord,
  type FlowVersionRecord,
  type LogRecord,
  type MetricRecord,
  type RunRecord,
  type StepRunRecord,
} from "../store/index.js";
import type { SluiceHome } from "./home.js";

export const EXPORT_FORMAT = "sluice-export/1";

type Line =
  | { type: "header"; format: string; exportedAt: string; from: string }
  | { type: "key"; key: ApiKeyRecord & { keyHash: string } }
  | { type: "flowVersion"; version: FlowVersionRecord }
  | { type: "artifact"; ref: ArtifactRef; text?: string; base64?: string }
  | { type: "completion"; completion: Completion }
  | {
      type: "run";
      run: RunRecord;
      steps: StepRunRecord[];
      logs: LogRecord[];
      metrics: MetricRecord[];
    }
  | { type: "dataset"; dataset: DatasetRecord };

export interface TransferCounts {
  runs: number;
  completions: number;
  datasets: number;
  artifacts: number;
  keys: number;
  flowVersions: number;
  /** Import only: what the target had already. */
  skipped?: number;
}

export async function exportHistory(home: SluiceHome, file: string): Promise<TransferCounts> {
  const temporary = `${file}.${process.pid}.tmp`;
  const out = createWriteStream(temporary, { mode: 0o600 });
  const write = async (line: Line) => {
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, "drain");
  };
  const counts = noCounts();
  try {
    await write({
      type: "header",
      format: EXPORT_FORMAT,
      exportedAt: new Date().toISOString(),
      from: home.path,
    });
    const keys = await home.serverTables.exportApiKeys();
    for (const key of keys) await write({ type: "key", key });
    counts.keys = keys.length;

    const runs = (await home.runs.listRuns()).reverse(); // oldest first
    const projects = new Set([DEFAULT_PROJECT, ...keys.map((k) => k.project)]);
    for (const run of runs) projects.add(run.project ?? DEFAULT_PROJECT);
    for (const project of projects)
      for (const version of await home.serverTables.listFlowVersions(project)) {
        await write({ type: "flowVersion", version });
        counts.flowVersions++;
      }

    // What runs and completions name, gathered first: artifacts go before what names them.
    const pipelines = new Set(runs.map((run) => run.pipeline));
    const completions: Completion[] = [];
    for (const pipeline of pipelines)
      for (const summary of await home.completions.completionsOf(pipeline)) {
        const completion = await home.completions.findCompletion(summary.cacheKey);
        if (completion) completions.push(completion);
      }
    const datasets: DatasetRecord[] = [];
    for (const newest of await home.catalog.listDatasets())
      datasets.push(...(await home.catalog.findDatasets(`${newest.pipeline}/${newest.step}`)));
    const details = [];
    for (const run of runs) {
      const found = await home.runs.getRun(run.runId);
      if (found) details.push(found);
    }
    const refs = new Map<string, ArtifactRef>();
    const note = (ref: { hash: string; kind: ArtifactRef["kind"]; size: number } | undefined) => {
      if (ref && !refs.has(ref.hash)) refs.set(ref.hash, ref as ArtifactRef);
    };
    for (const completion of completions) note(completion.output);
    for (const { steps } of details) for (const step of steps) note(step.output);
    for (const dataset of datasets) note(dataset);
    for (const ref of refs.values()) {
      const encoded = await home.artifacts.get(ref);
      if (!encoded) continue; // missing or damaged: the step that made it runs again where it is needed
      await write(
        encoded.kind === "json"
          ? { type: "artifact", ref, text: encoded.text }
          : { type: "artifact", ref, base64: Buffer.from(encoded.bytes).toString("base64") },
      );
      counts.artifacts++;
    }
    for (const completion of completions) await write({ type: "completion", completion });
    counts.completions = completions.length;
    for (const { run, steps } of details) {
      const logs = await home.runs.readLogs(run.runId);
      const metrics = await home.runs.readMetrics([run.runId]);
      await write({ type: "run", run, steps, logs, metrics });
    }
    counts.runs = details.length;
    for (const dataset of datasets) await write({ type: "dataset", dataset });
    counts.datasets = datasets.length;
    out.end();
    await once(out, "finish");
    renameSync(temporary, file);
    return counts;
  } catch (error) {
    out.destroy();
    rmSync(temporary, { force: true });
    throw error;
  }
}

export async function importHistory(home: SluiceHome, file: string): Promise<TransferCounts> {
  const counts: Required<TransferCounts> = { ...noCounts(), skipped: 0 };
  const importedRuns = new Set<string>();
  let number = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const text of lines) {
      number++;
      if (text.trim() === "") continue;
      const where = `${file}, line ${number}`;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch (error) {
        throw invalid(`${where} is not JSON (${(error as Error).message})`);
      }
      if (number === 1) {
        if (line.type !== "header" || line.format !== EXPORT_FORMAT)
          throw invalid(
            `${file} is not a sluice export (its first line is not a ${EXPORT_FORMAT} header). Write one with: sluice export FILE`,
          );
        continue;
      }
      switch (line.type) {
        case "key": {
          const { keyHash, ...record } = line.key;
          if (await home.serverTables.findApiKey(keyHash)) counts.skipped++;
          else {
            const { revokedAt, ...active } = record;
            await home.serverTables.createApiKey(active, keyHash);
            if (revokedAt !== undefined)
              await home.serverTables.revokeApiKey(record.keyId, revokedAt);
            counts.keys++;
          }
          break;
        }
        case "flowVersion":
          await home.serverTables.registerFlowVersion(line.version);
          counts.flowVersions++;
          break;
        case "artifact": {
          const encoded: EncodedValue =
            line.text !== undefined
              ? { kind: "json", text: line.text }
              : {
                  kind: line.ref.kind as "blob" | "records" | "table" | "parquet",
                  bytes: Buffer.from(line.base64 ?? "", "base64"),
                };
          const stored = await home.artifacts.put(encoded);
          if (stored.hash !== line.ref.hash)
            throw invalid(
              `${where}: artifact ${line.ref.hash.slice(0, 12)}'s content does not match its hash (the file was changed or damaged). Export again.`,
            );
          counts.artifacts++;
          break;
        }
        case "completion": {
          const { completion } = line;
          if (await home.completions.findCompletion(completion.cacheKey)) {
            counts.skipped++;
            break;
          }
          await home.completions.putCompletion(completion);
          if (completion.invalidatedAt !== undefined)
            await home.completions.invalidateCompletions(completion.pipeline, {
              cacheKeys: [completion.cacheKey],
            });
          counts.completions++;
          break;
        }
        case "run": {
          if (await home.runs.findRun(line.run.runId)) {
            counts.skipped++;
            break;
          }
          await home.runs.createRun(line.run);
          if (line.steps.length > 0) await home.runs.putSteps(line.steps);
          if (line.logs.length > 0) await home.runs.appendLogs(line.logs);
          if (line.metrics.length > 0) await home.runs.recordMetrics(line.metrics);
          importedRuns.add(line.run.runId);
          counts.runs++;
          break;
        }
        case "dataset":
          // Catalog entries come with their runs: a run the target had keeps its own entries.
          if (importedRuns.has(line.dataset.runId)) {
            await home.catalog.recordDataset(line.dataset);
            counts.datasets++;
          }
          break;
        default:
          throw invalid(
            `${where}: unknown entry type ${JSON.stringify((line as { type?: unknown }).type)}.`,
          );
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw invalid(`No file ${file}. Write one with: sluice export FILE`);
    throw error;
  }
  if (number === 0) throw invalid(`${file} is empty, not a sluice export.`);
  return counts;
}

function noCounts(): TransferCounts {
  return { runs: 0, completions: 0, datasets: 0, artifacts: 0, keys: 0, flowVersions: 0 };
}

function invalid(message: string): SluiceError {
  return new SluiceError("invalid-usage", message);
}
