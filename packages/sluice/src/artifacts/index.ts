/** Artifacts: how step outputs are encoded faithfully and where they are kept, by content hash. */
export type { ArtifactStore } from "./artifact-store.js";
export { contentHashOf, decodeValue, encodeValue, refOf } from "./codec.js";
export type { ArtifactKind, ArtifactRef, EncodedValue } from "./codec.js";
export {
  dataset,
  metrics,
  model,
  tagOf,
  modelOptionsOf,
  arrowToRecords,
  isArrowTable,
  arrowBytesToTable,
  withArrow,
} from "./dataset.js";
export type { DatasetInfo, ModelOptions, OutputTag } from "./dataset.js";
export { MemoryArtifactStore } from "./memory-artifact-store.js";
export { FileArtifactStore, INLINE_LIMIT_BYTES } from "./file-artifact-store.js";
export type { ArtifactIndex } from "./file-artifact-store.js";
export {
  describeDataset,
  isParquetDataset,
  parquetDataset,
  parquetRecords,
  plainNumbers,
} from "./parquet-dataset.js";
export type { ParquetDataset } from "./parquet-dataset.js";
