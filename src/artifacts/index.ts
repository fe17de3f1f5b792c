/** Artifacts: how step outputs are encoded faithfully and where they are kept, by content hash. */
export type { ArtifactStore } from "./artifact-store.js";
export { decodeValue, encodeValue, refOf } from "./codec.js";
export type { ArtifactRef, EncodedValue } from "./codec.js";
export { MemoryArtifactStore } from "./memory-artifact-store.js";
export { FileArtifactStore, INLINE_LIMIT_BYTES } from "./file-artifact-store.js";
export type { ArtifactIndex } from "./file-artifact-store.js";
