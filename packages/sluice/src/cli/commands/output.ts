/**
 * `sluice output FILE STEP`: loads a finished step's output for the given params, as a run would reuse
 * it (d6tflow's `outputLoad`), or says why there is none. Shown as a table (datasets) or JSON; `--json`
 * prints it as JSON; `--out` writes it as stored (JSON, Arrow IPC or Parquet for datasets, bytes).
 */
import pc from "picocolors";
import {
  arrowBytesToTable,
  arrowToRecords,
  decodeValue,
  parquetDataset,
  parquetRecords,
  withArrow,
  type EncodedValue,
} from "../../artifacts/index.js";
import { loadPipeline } from "../../runtime/index.js";
import { EXIT, usageError } from "../exit.js";
import { runParams } from "../param-args.js";
import { cellText, table } from "../table.js";
import { writeFileAtomically } from "../write-file.js";

export interface OutputCommandOptions {
  pipeline?: string;
  param?: string[];
  params?: string;
  json?: boolean;
  out?: string;
  home?: string;
}

/** What --out writes, by artifact kind. */
const FORMS = {
  json: "JSON",
  blob: "bytes",
  records: "Arrow IPC",
  table: "Arrow IPC",
  parquet: "Parquet",
} as const;

/** Rows a table shows on a terminal; --json and --out give them all. */
const SHOWN_ROWS = 20;

export async function outputCommand(
  file: string,
  step: string,
  options: OutputCommandOptions,
): Promise<number> {
  if (options.json && options.out !== undefined)
    throw usageError(
      "--json and --out cannot be used together: --json prints the output, --out writes it to a file.",
    );
  const params = runParams(options);
  const pipeline = await loadPipeline(file, options.pipeline);
  const { ref, encoded } = await pipeline.storedOutput(step, { params, home: options.home });
  if (options.out !== undefined) {
    writeFileAtomically(options.out, encoded.kind === "json" ? encoded.text : encoded.bytes);
    const form = FORMS[encoded.kind];
    process.stderr.write(
      `wrote ${options.out}: the output of "${step}" (${form}, ${ref.size} bytes, artifact ${ref.hash.slice(0, 12)})\n`,
    );
    return EXIT.ok;
  }
  if (encoded.kind === "blob") {
    if (options.json)
      throw usageError(
        `The output of "${step}" is ${ref.size} bytes of binary data, which is not JSON. Write it to a file with --out FILE.`,
      );
    process.stdout.write(
      `The output of "${step}" is ${ref.size} bytes of binary data; write it to a file with --out FILE.\n`,
    );
    return EXIT.ok;
  }
  const rows = await datasetRecords(encoded);
  if (options.json) {
    process.stdout.write(
      `${encoded.kind === "json" ? JSON.stringify(JSON.parse(encoded.text), null, 2) : JSON.stringify(rows, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  if (rows === undefined || rows.length === 0) {
    process.stdout.write(`${JSON.stringify(await decodeValue(encoded), null, 2)}\n`);
    return EXIT.ok;
  }
  const columns = Object.keys(rows[0]!);
  const shown = rows
    .slice(0, SHOWN_ROWS)
    .map((row) => columns.map((column) => cellText(row[column])));
  process.stdout.write(`${table(columns, shown)}\n`);
  if (rows.length > SHOWN_ROWS)
    process.stdout.write(
      pc.dim(`... ${rows.length - SHOWN_ROWS} more rows (--json or --out FILE for all)\n`),
    );
  return EXIT.ok;
}

/** A dataset's rows (records, an Arrow table or Parquet), or undefined for any other value. */
async function datasetRecords(
  encoded: EncodedValue,
): Promise<Array<Record<string, unknown>> | undefined> {
  if (encoded.kind === "json") return undefined;
  if (encoded.kind === "parquet") return parquetRecords(parquetDataset(encoded.bytes));
  return withArrow(() =>
    arrowToRecords(arrowBytesToTable((encoded as { bytes: Uint8Array }).bytes)),
  );
}
