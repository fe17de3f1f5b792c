import pc from "picocolors";
import { decodeValue, arrowToRecords, type ArtifactRef } from "../../artifacts/index.js";
import { SluiceError } from "../../core/index.js";
import { formatDuration } from "../../engine/index.js";
import { openHome, resolveHomePath, type SluiceHome } from "../../home.js";
import type { Completion, DatasetRecord } from "../../store/index.js";
import { EXIT, usageError } from "../exit.js";
import { table } from "../table.js";

interface CatalogOptions {
  home?: string;
  json?: boolean;
}

export async function datasetsCommand(options: CatalogOptions & { pipeline?: string }): Promise<number> {
  const home = await openHome(resolveHomePath(options.home));
  const entries = await home.store.listDatasets({ pipeline: options.pipeline });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ datasets: entries.map(entryJson) }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (entries.length === 0) {
    process.stdout.write(`No datasets in ${home.path}. Steps that return arrays of records, Arrow tables, or values wrapped in dataset(), model() or metrics() are catalogued.\n`);
    return EXIT.ok;
  }
  const rows = entries.map((e) => [
    `${e.pipeline}/${e.step}`,
    e.tag,
    e.kind,
    e.rows === undefined ? "-" : String(e.rows),
    e.columns === undefined ? "-" : String(e.columns.length),
    e.hash.slice(0, 12),
    `${formatDuration(Date.now() - e.createdAt)} ago`,
  ]);
  process.stdout.write(`${table(["DATASET", "TAG", "KIND", "ROWS", "COLUMNS", "ARTIFACT", "CREATED"], rows)}\n`);
  return EXIT.ok;
}

export async function schemaCommand(query: string, options: CatalogOptions): Promise<number> {
  const home = await openHome(resolveHomePath(options.home));
  const entry = await findOne(home, query);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ dataset: `${entry.pipeline}/${entry.step}`, artifact: entry.hash, rows: entry.rows ?? null, columns: entry.columns ?? [] }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (!entry.columns) {
    process.stdout.write(`${entry.pipeline}/${entry.step} is a ${entry.tag} (${entry.kind}) without a tabular schema.\n`);
    return EXIT.ok;
  }
  process.stdout.write(`${entry.pipeline}/${entry.step}: ${entry.rows} rows, artifact ${entry.hash.slice(0, 12)}\n`);
  process.stdout.write(`${table(["COLUMN", "TYPE"], entry.columns.map((column) => [column.name, column.type]))}\n`);
  return EXIT.ok;
}

export async function headCommand(query: string, options: CatalogOptions & { n?: string }): Promise<number> {
  const n = options.n === undefined ? 10 : Number(options.n);
  if (!Number.isInteger(n) || n < 1) throw usageError(`-n must be a whole number of at least 1, got "${options.n}".`);
  const home = await openHome(resolveHomePath(options.home));
  const entry = await findOne(home, query);
  const encoded = home.artifacts.get({ hash: entry.hash, kind: entry.kind, size: entry.size } as ArtifactRef);
  if (!encoded) throw new SluiceError("not-found", `The stored data of ${entry.pipeline}/${entry.step} (artifact ${entry.hash.slice(0, 12)}) is missing or corrupted. Run the pipeline again to recompute it.`);
  const value = await decodeValue(encoded);
  const records = entry.kind === "table" ? arrowToRecords(value as never) : value;
  if (!Array.isArray(records)) throw new SluiceError("invalid-usage", `${entry.pipeline}/${entry.step} is not tabular (a ${entry.tag}); sluice head prints rows of datasets.`);
  const rows = records.slice(0, n) as Array<Record<string, unknown>>;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ dataset: `${entry.pipeline}/${entry.step}`, rows }, null, 2)}\n`);
    return EXIT.ok;
  }
  const columns = entry.columns?.map((column) => column.name) ?? Object.keys(rows[0] ?? {});
  process.stdout.write(`${table(columns, rows.map((row) => columns.map((column) => cellText(row[column]))))}\n`);
  if (records.length > n) process.stdout.write(pc.dim(`... ${records.length - n} more rows\n`));
  return EXIT.ok;
}

export async function lineageCommand(query: string, options: CatalogOptions & { depth?: string }): Promise<number> {
  const depth = options.depth === undefined ? 10 : Number(options.depth);
  if (!Number.isInteger(depth) || depth < 1) throw usageError(`--depth must be a whole number of at least 1, got "${options.depth}".`);
  const home = await openHome(resolveHomePath(options.home));
  const hash = await resolveArtifact(home, query);
  const producers = await home.store.producersOf(hash);
  const upstream = await walk(home, hash, depth, "up");
  const downstream = await walk(home, hash, depth, "down");
  const made = producers.map((c) => ({ pipeline: c.pipeline, step: c.step, runId: c.runId, inputs: c.inputHashes }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ artifact: hash, madeBy: made, upstream, downstream }, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [`Artifact ${hash.slice(0, 12)}${made[0] ? ` made by ${made[0].pipeline}/${made[0].step} in run ${made[0].runId}` : ""}`];
  lines.push("Upstream:");
  for (const link of upstream) lines.push(`${"  ".repeat(link.depth)}<- ${link.pipeline}/${link.step} (${link.artifact.slice(0, 12)}, run ${link.runId})`);
  if (upstream.length === 0) lines.push("  (none)");
  lines.push("Downstream:");
  for (const link of downstream) lines.push(`${"  ".repeat(link.depth)}-> ${link.pipeline}/${link.step} (${link.artifact.slice(0, 12)}, run ${link.runId})`);
  if (downstream.length === 0) lines.push("  (none)");
  process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT.ok;
}

interface Link {
  depth: number;
  pipeline: string;
  step: string;
  artifact: string;
  runId: string;
}

/** Breadth-first through completions: up to the artifacts an artifact was made from, or down to those made from it. */
async function walk(home: SluiceHome, start: string, maxDepth: number, direction: "up" | "down"): Promise<Link[]> {
  const links: Link[] = [];
  const seen = new Set([start]);
  let frontier = [start];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const hash of frontier) {
      const found: Completion[] = direction === "down" ? await home.store.consumersOf(hash) : await home.store.producersOf(hash);
      const hashes =
        direction === "down"
          ? found.map((c) => ({ c, artifact: c.output.hash }))
          : found.flatMap((c) => Object.values(c.inputHashes).map((artifact) => ({ c, artifact })));
      for (const { c, artifact: input } of hashes) {
        // Going up, an input hash may be one field of an output: follow the whole output that holds it.
        const producer = direction === "down" ? c : (await home.store.producersOf(input))[0];
        if (!producer) continue;
        const artifact = direction === "down" ? input : producer.output.hash;
        if (seen.has(artifact)) continue;
        seen.add(artifact);
        links.push({ depth, pipeline: producer.pipeline, step: producer.step, artifact, runId: producer.runId });
        next.push(artifact);
      }
    }
    frontier = next;
  }
  return links;
}

async function findOne(home: SluiceHome, query: string): Promise<DatasetRecord> {
  const entries = await home.store.findDatasets(query);
  if (entries.length === 0) {
    const known = (await home.store.listDatasets()).map((e) => `${e.pipeline}/${e.step}`);
    throw new SluiceError("not-found", `No dataset "${query}" in ${home.path}. Name it as pipeline/step, a step, or an artifact hash prefix.${known.length > 0 ? ` Known: ${known.slice(0, 10).join(", ")}.` : ""}`);
  }
  const pipelines = new Set(entries.map((e) => `${e.pipeline}/${e.step}`));
  if (pipelines.size > 1) throw usageError(`"${query}" names several datasets (${[...pipelines].join(", ")}); name one as pipeline/step.`);
  return entries[0]!;
}

/** An artifact hash from a dataset name, a step name ("pipeline/step" or "step") or a hash prefix. */
async function resolveArtifact(home: SluiceHome, query: string): Promise<string> {
  const entries = await home.store.findDatasets(query);
  if (entries.length > 0) return entries[0]!.hash;
  const slash = query.indexOf("/");
  const pipeline = slash > 0 ? query.slice(0, slash) : undefined;
  const step = slash > 0 ? query.slice(slash + 1) : query;
  for (const run of await home.store.listRuns({ pipeline, limit: 200 })) {
    const detail = await home.store.getRun(run.runId);
    const found = detail?.steps.find((s) => s.step === step && s.output);
    if (found?.output) return found.output.hash;
  }
  if (/^[0-9a-f]{6,64}$/.test(query)) {
    const producers = await home.store.producersOf(query);
    if (producers.length > 0) return query;
  }
  throw new SluiceError("not-found", `No artifact or step "${query}" in ${home.path}. Name a step (pipeline/step or step) or an artifact hash.`);
}

function entryJson(entry: DatasetRecord) {
  return { dataset: `${entry.pipeline}/${entry.step}`, ...entry, createdAt: new Date(entry.createdAt).toISOString() };
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
