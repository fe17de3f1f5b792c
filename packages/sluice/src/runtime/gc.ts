/**
 * `sluice gc`: removes old runs and the outputs nothing needs any more. The newest complete output
 * of every step instance, and every output a kept run made or reused, are kept: gc never makes a step
 * of a kept run run again (params seen only in removed runs may).
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { FileArtifactStore } from "../artifacts/index.js";
import { SluiceError } from "../core/index.js";
import type { SluiceHome } from "./home.js";

export interface GcOptions {
  /** Keep the newest N finished runs of each pipeline. */
  keepLast?: number;
  /** Only remove runs that started longer ago than this many milliseconds. */
  olderThanMs?: number;
  dryRun?: boolean;
}

export interface GcResult {
  runs: number;
  completions: number;
  artifacts: number;
  bytesFreed: number;
  dryRun: boolean;
}

const TEMPORARY_FILE_AGE_MS = 60 * 60 * 1000;

export async function collectGarbage(home: SluiceHome, options: GcOptions): Promise<GcResult> {
  if (options.keepLast === undefined && options.olderThanMs === undefined) {
    throw new SluiceError(
      "invalid-usage",
      "Say what to remove: --keep-last N (keep the newest N runs of each pipeline) and/or --older-than 30d.",
    );
  }
  // Never collect from a damaged database: what it says is referenced cannot be trusted.
  await home.maintenance.checkIntegrity();
  const now = Date.now();
  const seen = new Map<string, number>();
  const doomed: string[] = [];
  for (const run of await home.runs.listRuns()) {
    if (run.status === "running" || run.status === "queued") continue;
    const rank = (seen.get(run.pipeline) ?? 0) + 1;
    seen.set(run.pipeline, rank);
    const beyondKeep = options.keepLast === undefined || rank > options.keepLast;
    const oldEnough =
      options.olderThanMs === undefined || now - run.startedAt > options.olderThanMs;
    if (beyondKeep && oldEnough) doomed.push(run.runId);
  }
  const dryRun = options.dryRun ?? false;
  const found = await home.maintenance.collectGarbage(doomed, dryRun);
  let bytesFreed = 0;
  const files = home.artifacts instanceof FileArtifactStore ? home.artifacts : undefined;
  for (const artifact of found.artifacts) {
    if (artifact.inline || !files) continue;
    const path = files.pathOf(artifact.hash);
    try {
      bytesFreed += statSync(path).size;
      if (!dryRun) rmSync(path, { force: true });
    } catch {
      // Already gone.
    }
  }
  if (!dryRun && files) removeStaleTemporaryFiles(files.root, now);
  return {
    runs: found.runs,
    completions: found.completions,
    artifacts: found.artifacts.length,
    bytesFreed,
    dryRun,
  };
}

/** Leftovers of writes interrupted by a crash (never renamed into place). */
function removeStaleTemporaryFiles(root: string, now: number): void {
  for (const dir of safeList(root)) {
    for (const name of safeList(join(root, dir))) {
      if (!name.endsWith(".tmp")) continue;
      const path = join(root, dir, name);
      try {
        if (now - statSync(path).mtimeMs > TEMPORARY_FILE_AGE_MS) rmSync(path, { force: true });
      } catch {
        // Raced with another process.
      }
    }
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** "30d", "12h", "45m", "10s" or a number of milliseconds. */
export function parseAge(text: string, flag = "--older-than"): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!match)
    throw new SluiceError(
      "invalid-usage",
      `${flag} expects a duration like 30d, 12h, 45m or 10s; got "${text}".`,
    );
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
    (match[2] ?? "ms") as "ms"
  ];
  return Number(match[1]) * unit;
}
