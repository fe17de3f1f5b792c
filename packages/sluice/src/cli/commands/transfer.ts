import {
  exportHistory,
  importHistory,
  openHome,
  type TransferCounts,
} from "../../runtime/index.js";
import { EXIT } from "../exit.js";

type Options = { home?: string; json?: boolean };

/** `sluice export FILE`: this stack's history to a file (written whole or not at all). */
export async function exportCommand(file: string, options: Options): Promise<number> {
  const home = await openHome(options.home, { recover: false });
  try {
    return report(await exportHistory(home, file), options, `Exported to ${file}`);
  } finally {
    home.close();
  }
}

/** `sluice import FILE`: adds a file's history to this stack; what it has already is skipped. */
export async function importCommand(file: string, options: Options): Promise<number> {
  const home = await openHome(options.home, { recover: false });
  try {
    return report(await importHistory(home, file), options, `Imported ${file} into ${home.path}`);
  } finally {
    home.close();
  }
}

function report(counts: TransferCounts, options: Options, what: string): number {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(counts, null, 2)}\n`);
    return EXIT.ok;
  }
  const skipped = counts.skipped ? `; ${counts.skipped} already there, skipped` : "";
  process.stdout.write(
    `${what}: ${counts.runs} run(s), ${counts.completions} cached output(s), ${counts.datasets} catalog entr${counts.datasets === 1 ? "y" : "ies"}, ${counts.artifacts} artifact(s), ${counts.keys} API key(s), ${counts.flowVersions} flow version(s)${skipped}.\n`,
  );
  return EXIT.ok;
}
