import type { ArtifactStore } from "./artifact-store.js";
import { refOf, type ArtifactRef, type EncodedValue } from "./codec.js";

/** Artifacts held in this process's memory: for `--in-memory`, `memoryStores()` and tests. */
export class MemoryArtifactStore implements ArtifactStore {
  private readonly values = new Map<string, EncodedValue>();

  put(encoded: EncodedValue): ArtifactRef {
    const ref = refOf(encoded);
    if (!this.values.has(ref.hash)) this.values.set(ref.hash, encoded);
    return ref;
  }

  get(ref: ArtifactRef): EncodedValue | undefined {
    return this.values.get(ref.hash);
  }

  has(ref: ArtifactRef): boolean {
    return this.values.has(ref.hash);
  }
}
