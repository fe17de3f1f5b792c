/** The model registry in memory (memoryStores()): what the SQLite and PostgreSQL ones keep, in a Map. */
import { SluiceError } from "../core/index.js";
import type {
  ModelPromotion,
  ModelRecord,
  ModelRegistration,
  ModelRegistry,
  ModelStage,
} from "./model-records.js";
import { newModel, nextVersion, promotion } from "./model-registry-logic.js";

export class MemoryModelRegistry implements ModelRegistry {
  private readonly models = new Map<string, ModelRecord[]>();

  private versionsOf(project: string, name: string): ModelRecord[] {
    const key = `${project}\u0000${name}`;
    let list = this.models.get(key);
    if (!list) this.models.set(key, (list = []));
    return list;
  }

  async registerModel(entry: ModelRegistration): Promise<ModelRecord> {
    const versions = this.versionsOf(entry.project, entry.name);
    const same = versions.find((m) => m.artifact.hash === entry.artifact.hash);
    if (same) return structuredClone(same);
    const version = nextVersion(versions, entry.version);
    if (versions.some((m) => m.version === version)) throw versionTaken(entry.name, version);
    const record = newModel(entry, version);
    versions.push(record);
    return structuredClone(record);
  }

  async listModels(project: string): Promise<ModelRecord[]> {
    return [...this.models.entries()]
      .filter(([key]) => key.startsWith(`${project}\u0000`))
      .flatMap(([, list]) => [...list].reverse())
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((m) => structuredClone(m));
  }

  async findModel(
    project: string,
    name: string,
    which: { version: string } | { stage: ModelStage },
  ): Promise<ModelRecord | undefined> {
    const found = this.versionsOf(project, name).find((m) =>
      "version" in which ? m.version === which.version : m.stage === which.stage,
    );
    return found && structuredClone(found);
  }

  async promoteModel(
    project: string,
    name: string,
    version: string,
    change: ModelPromotion,
  ): Promise<ModelRecord | undefined> {
    const versions = this.versionsOf(project, name);
    const changed = promotion(versions, version, change);
    if (!changed) return undefined;
    for (const record of changed)
      versions[versions.findIndex((m) => m.version === record.version)] = record;
    return structuredClone(changed[changed.length - 1]!);
  }
}

export function versionTaken(name: string, version: string): SluiceError {
  return new SluiceError(
    "conflict",
    `Model "${name}" already has a version "${version}" with another artifact. Give a new version, or leave it out to number it.`,
    { details: { model: name, version } },
  );
}
