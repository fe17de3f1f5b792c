import pc from "picocolors";
import { formatDuration } from "../../engine/index.js";
import {
  openHome,
  stackName,
  datasetJson,
  datasetRows,
  findDataset,
  lineageQuery,
  schemaJson,
  lineageJson,
  lineageStart,
} from "../../runtime/index.js";
import { EXIT, usageError } from "../exit.js";
import { remote, remoteProject, type RemoteOptions } from "../remote.js";
import type { wire } from "@sluice/client";
import { cellText, table } from "../table.js";

interface CatalogOptions extends RemoteOptions {
  home?: string;
  json?: boolean;
}

export async function datasetsCommand(
  options: CatalogOptions & { pipeline?: string },
): Promise<number> {
  const server = await remoteProject(options);
  const entries: wire.Dataset[] = server
    ? await remote(() => server.datasets.list({ flow: options.pipeline }))
    : (
        await (
          await openHome(options.home, { recover: false })
        ).catalog.listDatasets({ pipeline: options.pipeline })
      ).map(datasetJson);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ datasets: entries }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (entries.length === 0) {
    process.stdout.write(
      `No datasets in ${server ? `project "${server.key}"` : await stackName(options.home)}. Steps that return arrays of records, Arrow tables, or values wrapped in dataset(), model() or metrics() are catalogued.\n`,
    );
    return EXIT.ok;
  }
  const rows = entries.map((e) => [
    `${e.pipeline}/${e.step}`,
    e.tag,
    e.kind,
    e.rows === undefined ? "-" : String(e.rows),
    e.columns === undefined ? "-" : String(e.columns.length),
    e.hash.slice(0, 12),
    `${formatDuration(Date.now() - Date.parse(e.createdAt))} ago`,
  ]);
  process.stdout.write(
    `${table(["DATASET", "TAG", "KIND", "ROWS", "COLUMNS", "ARTIFACT", "CREATED"], rows)}\n`,
  );
  return EXIT.ok;
}

export async function schemaCommand(query: string, options: CatalogOptions): Promise<number> {
  const server = await remoteProject(options);
  const schema: wire.DatasetSchema = server
    ? await remote(() => server.dataset(query).schema())
    : schemaJson(await findDataset(await openHome(options.home, { recover: false }), query));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    return EXIT.ok;
  }
  if (schema.columns.length === 0 && schema.rows === null) {
    process.stdout.write(
      `${schema.dataset} is a ${schema.tag} (${schema.kind}) without a tabular schema.\n`,
    );
    return EXIT.ok;
  }
  process.stdout.write(
    `${schema.dataset}: ${schema.rows} rows, artifact ${schema.artifact.slice(0, 12)}\n`,
  );
  process.stdout.write(
    `${table(
      ["COLUMN", "TYPE"],
      schema.columns.map((column) => [column.name, column.type]),
    )}\n`,
  );
  return EXIT.ok;
}

export async function headCommand(
  query: string,
  options: CatalogOptions & { n?: string },
): Promise<number> {
  const n = options.n === undefined ? 10 : Number(options.n);
  if (!Number.isInteger(n) || n < 1)
    throw usageError(`-n must be a whole number of at least 1, got "${options.n}".`);
  const server = await remoteProject(options);
  let found: {
    dataset: string;
    rows: Array<Record<string, unknown>>;
    total: number;
    columns?: string[];
  };
  if (server) {
    found = await remote(() => server.dataset(query).rows(n));
  } else {
    const home = await openHome(options.home, { recover: false });
    const entry = await findDataset(home, query);
    found = {
      dataset: `${entry.pipeline}/${entry.step}`,
      ...(await datasetRows(home, entry, n)),
      columns: entry.columns?.map((column) => column.name),
    };
  }
  const { rows, total } = found;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ dataset: found.dataset, rows }, null, 2)}\n`);
    return EXIT.ok;
  }
  const columns = found.columns ?? Object.keys(rows[0] ?? {});
  process.stdout.write(
    `${table(
      columns,
      rows.map((row) => columns.map((column) => cellText(row[column]))),
    )}\n`,
  );
  if (total > n) process.stdout.write(pc.dim(`... ${total - n} more rows\n`));
  return EXIT.ok;
}

export async function lineageCommand(
  query: string,
  options: CatalogOptions & { depth?: string },
): Promise<number> {
  const depth = options.depth === undefined ? 10 : Number(options.depth);
  if (!Number.isInteger(depth) || depth < 1)
    throw usageError(`--depth must be a whole number of at least 1, got "${options.depth}".`);
  const server = await remoteProject(options);
  let lineage: wire.Lineage;
  if (server) {
    lineage = await remote(() => server.lineage(query, { depth }));
  } else {
    const home = await openHome(options.home, { recover: false });
    lineage = await lineageJson(
      home,
      await lineageStart(home, await lineageQuery(home, query)),
      depth,
    );
  }
  const { artifact: hash, madeBy: made, upstream, downstream } = lineage;
  if (options.json) {
    process.stdout.write(`${JSON.stringify(lineage, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [
    `Artifact ${hash.slice(0, 12)}${made[0] ? ` made by ${made[0].pipeline}/${made[0].step} in run ${made[0].runId}` : ""}`,
  ];
  lines.push("Upstream:");
  for (const link of upstream)
    lines.push(
      `${"  ".repeat(link.depth)}<- ${link.pipeline}/${link.step} (${link.artifact.slice(0, 12)}, run ${link.runId})`,
    );
  if (upstream.length === 0) lines.push("  (none)");
  lines.push("Downstream:");
  for (const link of downstream)
    lines.push(
      `${"  ".repeat(link.depth)}-> ${link.pipeline}/${link.step} (${link.artifact.slice(0, 12)}, run ${link.runId})`,
    );
  if (downstream.length === 0) lines.push("  (none)");
  process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT.ok;
}
