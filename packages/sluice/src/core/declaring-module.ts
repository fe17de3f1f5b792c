/**
 * Where a step is declared. A step's relative `files:` are read from the folder of the module that
 * declares it, the way `import` paths are, so a pipeline finds its data from whatever working directory
 * it runs in. Found from the call stack (only for steps that declare files): the first frame outside
 * sluice's own code.
 */
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { OWN_PACKAGE } from "./own-package.js";

/** sluice's own code (src/ or dist/): frames in it are not the declaring module. */
const OWN_CODE = [join(OWN_PACKAGE, "src") + sep, join(OWN_PACKAGE, "dist") + sep];

/**
 * Files sluice compiled (TypeScript, loader/), each with the source file it stands for. Shared by
 * every copy of sluice in the process (a global CLI's and a project's own, or a test runner's): the
 * copy that compiled a module is not always the one its steps call.
 */
const compiledModules: Map<string, string> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("sluice.compiledModules")
] ??= new Map<string, string>()) as Map<string, string>;

/** Records that `compiled` is the transpiled form of `source`, so its frames count as `source`'s. */
export function recordCompiledModule(compiled: string, source: string): void {
  compiledModules.set(compiled, source);
}

/**
 * The folder of the module that called into sluice, or the working directory when none is found.
 * `alsoOwn`: folders of sluice's other packages (a recipe library) whose frames are skipped too.
 */
export function declaringFolder(alsoOwn: readonly string[] = []): string {
  const own = [...OWN_CODE, ...alsoOwn.map((folder) => folder + sep)];
  const original = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.stackTraceLimit = 30;
    const frames = new Error().stack as unknown as NodeJS.CallSite[];
    for (const frame of frames) {
      const name = frame.getFileName();
      if (!name || name.startsWith("node:")) continue;
      const path = name.startsWith("file:") ? fileURLToPath(name) : name;
      const file = compiledModules.get(path) ?? path;
      if (isAbsolute(file) && !own.some((folder) => file.startsWith(folder))) return dirname(file);
    }
  } finally {
    Error.prepareStackTrace = original;
    Error.stackTraceLimit = limit;
  }
  return process.cwd();
}

/** Each of `files` as an absolute path: relative ones from `folder`. */
export function resolveFiles(
  files: readonly string[],
  folder: string,
): Readonly<Record<string, string>> {
  return Object.freeze(Object.fromEntries(files.map((file) => [file, resolve(folder, file)])));
}
