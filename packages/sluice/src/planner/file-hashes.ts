/**
 * Content hashes of the external files steps declare (`files:`), read in chunks (a file of any
 * size) and remembered for this process by the file's size, modification and change times and
 * inode, so a long-lived process (a server, a worker, a loop of runs) hashes an unchanged 1 GB file
 * once, not on every plan. A file modified in the last two seconds is not remembered: it could change
 * again within the same timestamp without its times moving (git's "racily clean" case).
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, statSync } from "node:fs";

const remembered = new Map<string, { stamp: string; hash: string }>();
const CHUNK = 8 * 1024 * 1024;
const RACY_MS = 2000;

export function fileHash(path: string): string {
  const stat = statSync(path, { bigint: true });
  const stamp = `${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}:${stat.ino}`;
  const known = remembered.get(path);
  if (known?.stamp === stamp) return known.hash;
  const hash = hashContent(path);
  const changedMs = Number(stat.ctimeNs > stat.mtimeNs ? stat.ctimeNs : stat.mtimeNs) / 1e6;
  if (Date.now() - changedMs > RACY_MS) remembered.set(path, { stamp, hash });
  else remembered.delete(path);
  return hash;
}

function hashContent(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}
