/**
 * The workspace root: the nearest folder, from the working directory up, that holds a sluice config or
 * a package.json. The default home lives there, so running from a subfolder of a project finds the same
 * runs and cache as running from its root.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const CONFIG_NAMES = [
  "sluice.config.ts",
  "sluice.config.mts",
  "sluice.config.js",
  "sluice.config.mjs",
  "sluice.config.json",
] as const;

const ROOT_MARKERS = [...CONFIG_NAMES, "package.json"];

/** The nearest folder from `start` up with a sluice config or package.json; `start` itself when none has. */
export function workspaceRoot(start: string = process.cwd()): string {
  const first = resolve(start);
  for (let dir = first; ; dir = dirname(dir)) {
    if (ROOT_MARKERS.some((name) => existsSync(join(dir, name)))) return dir;
    if (dirname(dir) === dir) return first;
  }
}
