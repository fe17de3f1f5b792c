/**
 * The model registry: outputs tagged `model()` registered under a name with a version (counted up
 * per name, or given), the run that made them, its params and metrics, the snapshot hash and the
 * inputs it was made from; a stage (staging, production, archive) per version, and every promotion
 * with who made it and when.
 */
import type { StoredRef } from "./records.js";

export const MODEL_STAGES = ["staging", "production", "archive"] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

export interface ModelPromotion {
  stage: ModelStage;
  /** Who promoted it: the API key's name (or id), or "cli" / the local user. */
  by: string;
  at: number;
}

export interface ModelRecord {
  project: string;
  name: string;
  version: string;
  runId: string;
  pipeline: string;
  step: string;
  artifact: StoredRef;
  /** The run's params as its steps saw them (secrets masked). */
  params: Record<string, unknown>;
  /** The run's metrics by step and name. */
  metrics: Record<string, Record<string, number>>;
  /** The definition that made it: its version label and snapshot hash. */
  flow: { version: string; hash: string };
  /** Lineage: the content hash of each input of the step that made it. */
  inputs: Record<string, string>;
  stage?: ModelStage;
  promotions: ModelPromotion[];
  createdAt: number;
}

/** What registering takes: a record without its version (counted up) unless one is given. */
export type ModelRegistration = Omit<ModelRecord, "version" | "promotions" | "stage"> & {
  version?: string;
};

export interface ModelRegistry {
  /**
   * Registers a model. The same artifact under the same name again returns the version it has; a
   * given version that exists with another artifact is refused (conflict).
   */
  registerModel(entry: ModelRegistration): Promise<ModelRecord>;
  /** Every version of every model of the project, by name then newest first. */
  listModels(project: string): Promise<ModelRecord[]>;
  /** One version, or the version at a stage. */
  findModel(
    project: string,
    name: string,
    which: { version: string } | { stage: ModelStage },
  ): Promise<ModelRecord | undefined>;
  /**
   * Puts a version at a stage, recording who and when. Staging and production hold one version each:
   * the version there before moves to archive. Undefined when there is no such version.
   */
  promoteModel(
    project: string,
    name: string,
    version: string,
    promotion: ModelPromotion,
  ): Promise<ModelRecord | undefined>;
}
