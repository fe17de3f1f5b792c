import { readFileSync } from "node:fs";
import pc from "picocolors";
import { SluiceError } from "../../core/index.js";
import {
  compareSnapshots,
  readSnapshot,
  type SnapshotComparison,
  loadPipeline,
} from "../../runtime/index.js";
import { EXIT } from "../exit.js";
import { writeFileAtomically } from "../write-file.js";

export interface FreezeCommandOptions {
  pipeline?: string;
  out?: string;
  compare?: string;
  json?: boolean;
}

/** Writes a pipeline's frozen snapshot as JSON, or compares it with an earlier snapshot file. */
export async function freezeCommand(file: string, options: FreezeCommandOptions): Promise<number> {
  const snapshot = (await loadPipeline(file, options.pipeline)).freeze();
  if (options.compare !== undefined) {
    const earlier = readSnapshotFile(options.compare);
    const comparison = compareSnapshots(earlier, snapshot);
    if (options.json) process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
    else process.stdout.write(`${comparisonText(comparison, earlier.hash, snapshot.hash)}\n`);
    return EXIT.ok;
  }
  const text = `${JSON.stringify(snapshot, null, 2)}\n`;
  if (options.out === undefined) {
    process.stdout.write(text);
    return EXIT.ok;
  }
  writeFileAtomically(options.out, text);
  process.stderr.write(
    `Wrote the snapshot of "${snapshot.pipeline}" (${snapshot.steps.length} steps, sha256 ${snapshot.hash.slice(0, 12)}) to ${options.out}\n`,
  );
  return EXIT.ok;
}

function readSnapshotFile(path: string) {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new SluiceError(
      "invalid-usage",
      `--compare ${path}: ${(error as Error).message}. Give a file written by sluice freeze --out.`,
    );
  }
  const snapshot = readSnapshot(json, path);
  if (!snapshot.verify())
    throw new SluiceError(
      "invalid-usage",
      `${path} does not match its own hash: it was edited after sluice freeze wrote it. Freeze again.`,
    );
  return snapshot;
}

function comparisonText(c: SnapshotComparison, from: string, to: string): string {
  if (c.same) return `Same definition (sha256 ${to.slice(0, 12)}).`;
  const lines = [`${from.slice(0, 12)} -> ${to.slice(0, 12)}`];
  if (c.version)
    lines.push(`version: ${c.version.from ?? "(none)"} -> ${c.version.to ?? "(none)"}`);
  for (const step of c.added) lines.push(pc.green(`+ ${step}`));
  for (const step of c.removed) lines.push(pc.red(`- ${step}`));
  for (const { step, changes } of c.changed)
    lines.push(pc.yellow(`~ ${step} (${changes.join(", ")})`));
  const p = c.params;
  if (p.added.length + p.removed.length + p.changed.length > 0) {
    lines.push(
      `params: ${[...p.added.map((n) => `+${n}`), ...p.removed.map((n) => `-${n}`), ...p.changed.map((n) => `~${n}`)].join(" ")}`,
    );
  }
  return lines.join("\n");
}
