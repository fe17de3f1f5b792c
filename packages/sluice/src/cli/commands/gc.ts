import { collectGarbage, parseAge, openHome } from "../../runtime/index.js";
import { EXIT, usageError } from "../exit.js";

export async function gcCommand(options: {
  keepLast?: string;
  olderThan?: string;
  dryRun?: boolean;
  json?: boolean;
  home?: string;
}): Promise<number> {
  const keepLast = options.keepLast === undefined ? undefined : Number(options.keepLast);
  if (keepLast !== undefined && (!Number.isInteger(keepLast) || keepLast < 0))
    throw usageError(`--keep-last must be a whole number, got "${options.keepLast}".`);
  const olderThanMs = options.olderThan === undefined ? undefined : parseAge(options.olderThan);
  const home = await openHome(options.home);
  const result = await collectGarbage(home, { keepLast, olderThanMs, dryRun: options.dryRun });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return EXIT.ok;
  }
  const verb = result.dryRun ? "Would remove" : "Removed";
  process.stdout.write(
    `${verb} ${result.runs} run(s), ${result.completions} stored step output(s) and ${result.artifacts} artifact(s) (${(result.bytesFreed / 1024).toFixed(1)} KiB of files). The newest output of every step is kept.\n`,
  );
  return EXIT.ok;
}
