import type { MaybePromise } from "../core/index.js";
import type { ArtifactRef, EncodedValue } from "./codec.js";

/** Where step outputs live, addressed by the SHA-256 of their stored bytes. */
export interface ArtifactStore {
  /**
   * Stores the value (once per content) and returns its reference. When it returns a promise, the
   * write must already be ordered before any store write made after this call (same queue), or the
   * promise must resolve only once the value is durable.
   */
  put(encoded: EncodedValue): MaybePromise<ArtifactRef>;
  /** The stored value, or undefined when it is missing (or, for file stores, fails its hash check). */
  get(ref: ArtifactRef): MaybePromise<EncodedValue | undefined>;
  /**
   * Whether `get` can be expected to find it: false for content never put. A store may answer true
   * without looking for content it keeps beside the completion that names it (the file store's small
   * inline JSON), so the planner's check of 10000 outputs costs no lookups; `get` stays the authority.
   */
  has(ref: ArtifactRef): MaybePromise<boolean>;
  /**
   * Optional: which of these are missing, in one call (what planning asks of every complete step); a
   * store where each `has` is a round trip to a server answers here instead.
   */
  missing?(refs: readonly ArtifactRef[]): MaybePromise<ReadonlySet<string>>;
}
