import { randomBytes } from "node:crypto";

/** A run id that sorts by start time and reads as one: 20261122T111717Z-3fa9c2d1. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomBytes(4).toString("hex")}`;
}
