import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { SluiceError, isPromise, sha256, type MaybePromise } from "../core/index.js";
import type { ArtifactStore } from "./artifact-store.js";
import { refOf, type ArtifactKind, type ArtifactRef, type EncodedValue } from "./codec.js";

/** Outputs smaller than this (JSON only) live inline in the database; larger ones and bytes in files. */
export const INLINE_LIMIT_BYTES = 64 * 1024;

/** Where artifact rows (and small inline values) are kept: the store's database. */
export interface ArtifactIndex {
  getArtifact(hash: string): { kind: ArtifactKind; size: number; inline?: string } | undefined;
  /**
   * May commit later; the promise (if any) resolves once the row is stored. A row already stored under
   * the hash is kept, unless its inline value no longer matches the hash (damaged): then it is replaced.
   */
  putArtifact(row: {
    hash: string;
    kind: ArtifactKind;
    size: number;
    inline?: string;
  }): MaybePromise<void>;
}

/** No index: every artifact is a file (filesOnly). */
const NO_INDEX: ArtifactIndex = { getArtifact: () => undefined, putArtifact: () => undefined };

/**
 * Content-addressed artifacts: small JSON inline in the index, everything else as files named by
 * their SHA-256 under `root`. Files are written to a temporary name, fsynced and renamed, so a
 * crash never leaves a partial file under a real name; a file whose bytes do not match its name
 * when read (torn, corrupted) is treated as missing and removed, never served.
 */
export class FileArtifactStore implements ArtifactStore {
  constructor(
    readonly root: string,
    private readonly index: ArtifactIndex,
    /** JSON smaller than this lives inline in the index; 0: everything is a file. */
    private readonly inlineLimit = INLINE_LIMIT_BYTES,
  ) {}

  /**
   * Every artifact a file under `root`, with no index: for a folder several machines share beside a
   * shared database (each reads what another wrote, checked against its hash).
   */
  static filesOnly(root: string): FileArtifactStore {
    return new FileArtifactStore(root, NO_INDEX, 0);
  }

  put(encoded: EncodedValue): MaybePromise<ArtifactRef> {
    const ref = refOf(encoded);
    let stored: MaybePromise<void>;
    if (encoded.kind === "json" && ref.size < this.inlineLimit) {
      // Content-addressed: a row already stored under this hash holds these bytes, and the index keeps it.
      stored = this.index.putArtifact({
        hash: ref.hash,
        kind: "json",
        size: ref.size,
        inline: encoded.text,
      });
    } else {
      // Without an index a file is looked for; with one, only a hash it knows.
      const known: { inline?: string } | undefined =
        this.index === NO_INDEX ? {} : this.index.getArtifact(ref.hash);
      if (known && (known.inline !== undefined || existsSync(this.pathOf(ref.hash)))) return ref;
      this.writeFile(ref.hash, encoded.kind === "json" ? Buffer.from(encoded.text) : encoded.bytes);
      stored = this.index.putArtifact({ hash: ref.hash, kind: ref.kind, size: ref.size });
    }
    return isPromise(stored) ? stored.then(() => ref) : ref;
  }

  get(ref: ArtifactRef): EncodedValue | undefined {
    const row = this.index.getArtifact(ref.hash);
    // Inline values are checked like files: a damaged database page must not be served as an output.
    if (row?.inline !== undefined)
      return sha256(row.inline) === ref.hash ? { kind: "json", text: row.inline } : undefined;
    const path = this.pathOf(ref.hash);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      return undefined;
    }
    if (sha256(bytes) !== ref.hash) {
      rmSync(path, { force: true });
      return undefined;
    }
    return ref.kind === "json"
      ? { kind: "json", text: bytes.toString("utf8") }
      : { kind: ref.kind, bytes };
  }

  /**
   * Whether the output is there (what planning checks for every complete step; its hash is checked when
   * it is read). A small JSON output lives in the index, written in the same transaction as the
   * completion that refers to it, so only file outputs need a look.
   */
  has(ref: ArtifactRef): boolean {
    if (ref.kind === "json" && ref.size < this.inlineLimit) return true;
    const row = this.index.getArtifact(ref.hash);
    if (row?.inline !== undefined) return true;
    return existsSync(this.pathOf(ref.hash));
  }

  /** The file an artifact lives in (when it is not inline): root/ab/abcdef.... */
  pathOf(hash: string): string {
    return join(this.root, hash.slice(0, 2), hash);
  }

  private writeFile(hash: string, bytes: Uint8Array): void {
    const dir = join(this.root, hash.slice(0, 2));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temporary = join(
      dir,
      `.${hash}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
    );
    const fd = openSync(temporary, "w", 0o600);
    try {
      let written = 0;
      while (written < bytes.byteLength)
        written += writeSync(fd, bytes, written, bytes.byteLength - written);
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      rmSync(temporary, { force: true });
      throw writeError(error, dir);
    }
    closeSync(fd);
    renameSync(temporary, this.pathOf(hash));
  }
}

/** A failed artifact write, named and explained when the disk is full (nothing partial is left behind). */
function writeError(error: unknown, dir: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new SluiceError(
      "store-full",
      `No space left to store an output in ${dir}. Free some space (sluice gc --keep-last N removes old runs) and run again: finished steps are kept and will not rerun.`,
      { cause: error, retryable: false, details: { path: dir } },
    );
  }
  return error;
}
