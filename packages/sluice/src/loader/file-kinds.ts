/** What kind of file a path names, for the TypeScript compile cache. */
import { extname, sep } from "node:path";

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".tsx"]);

/** Whether `path` is a TypeScript file (by its extension). */
export function isTypeScript(path: string): boolean {
  return TYPESCRIPT.has(extname(path).toLowerCase());
}

/** Whether `path` is inside a `node_modules` folder (an installed package, left to Node). */
export function inNodeModules(path: string): boolean {
  return path.includes(`${sep}node_modules${sep}`);
}
