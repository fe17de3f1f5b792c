/** What every model registry does alike: the next version of a name, and a promotion's effects. */
import type { ModelPromotion, ModelRecord, ModelRegistration } from "./model-records.js";

/** The version a new registration gets: the one given, else 1 + the highest whole-number version. */
export function nextVersion(existing: readonly ModelRecord[], given?: string): string {
  if (given !== undefined) return given;
  const numbers = existing.map((m) => Number(m.version)).filter((n) => Number.isInteger(n));
  return String(numbers.length === 0 ? 1 : Math.max(...numbers) + 1);
}

export function newModel(entry: ModelRegistration, version: string): ModelRecord {
  const { version: _given, ...rest } = entry;
  return { ...rest, version, promotions: [] };
}

/**
 * The records a promotion changes: the promoted version, and the one that held that stage before
 * (staging and production hold one version each), which moves to archive.
 */
export function promotion(
  versions: readonly ModelRecord[],
  version: string,
  change: ModelPromotion,
): ModelRecord[] | undefined {
  const target = versions.find((m) => m.version === version);
  if (!target) return undefined;
  const changed: ModelRecord[] = [];
  if (change.stage !== "archive")
    for (const other of versions)
      if (other.version !== version && other.stage === change.stage)
        changed.push({
          ...other,
          stage: "archive",
          promotions: [...other.promotions, { ...change, stage: "archive" }],
        });
  changed.push({ ...target, stage: change.stage, promotions: [...target.promotions, change] });
  return changed;
}
