import { existsSync, readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { SluiceError } from "../core/index.js";
import { importUserModule } from "../loader/index.js";
import { isPipeline, type Pipeline } from "./pipeline.js";

const MODULES = new Set([".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx"]);

/**
 * Loads a pipeline module and picks its pipeline: the default export, or the named export (or
 * pipeline name) given by `--pipeline`. TypeScript files are loaded through the compile cache
 * (loader/typescript.ts).
 */
export async function loadPipeline(file: string, wanted?: string): Promise<Pipeline> {
  const path = resolve(file);
  return pickPipeline(await importModule(path, "Pipeline file"), path, wanted);
}

/** The pipelines a loaded module exports, by export name. */
export function exportedPipelines(module: Record<string, unknown>): Array<[string, Pipeline]> {
  return Object.entries(module).filter(([, value]) => isPipeline(value)) as Array<
    [string, Pipeline]
  >;
}

/** Imports a JavaScript or TypeScript module, with an error that names the file when it fails. */
export async function importModule(path: string, what: string): Promise<Record<string, unknown>> {
  if (!existsSync(path)) {
    throw new SluiceError(
      "invalid-usage",
      `${what} not found: ${path}. Check the path (it is relative to ${process.cwd()}).`,
    );
  }
  const extension = extname(path).toLowerCase();
  if (!MODULES.has(extension)) throw notAModule(path, extension, what);
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(path);
  } catch (error) {
    if (SluiceError.is(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new SluiceError("module-load-failed", `Could not load ${path}: ${message}`, {
      cause: error,
    });
  }
  return module;
}

/** What to do with a file that is not a module: an Arazzo document or a YAML/JSON file given to `sluice run`. */
function notAModule(path: string, extension: string, what: string): SluiceError {
  const text = [".yaml", ".yml", ".json"].includes(extension)
    ? readFileSync(path, "utf8").slice(0, 4096)
    : "";
  if (/(^|[{,])\s*["']?arazzo["']?\s*:/m.test(text)) {
    return new SluiceError(
      "invalid-usage",
      `${path} is an Arazzo document, not a pipeline module. Run it with: sluice arazzo run ${path} (or check it with sluice arazzo validate).`,
    );
  }
  return new SluiceError(
    "invalid-usage",
    `${what} ${path} is not a JavaScript or TypeScript module (${extension || "no extension"}). Give a .ts, .mts, .js or .mjs file that exports a pipeline.`,
  );
}

function pickPipeline(module: Record<string, unknown>, path: string, wanted?: string): Pipeline {
  const named = exportedPipelines(module);
  if (wanted !== undefined) {
    const match = named.find(
      ([exportName, value]) => exportName === wanted || value.name === wanted,
    );
    if (match) return match[1];
    const available = named.map(([exportName, value]) =>
      exportName === value.name ? exportName : `${exportName} (pipeline "${value.name}")`,
    );
    throw new SluiceError(
      "invalid-usage",
      `${path} exports no pipeline named "${wanted}". Pipelines it exports: ${available.length > 0 ? available.join(", ") : "none"}.`,
    );
  }
  if (isPipeline(module.default)) return module.default;
  if (named.length === 1) return named[0]![1];
  if (named.length > 1) {
    throw new SluiceError(
      "invalid-usage",
      `${path} exports several pipelines (${named.map(([n]) => n).join(", ")}) and no default: choose one with --pipeline NAME.`,
    );
  }
  throw new SluiceError(
    "invalid-pipeline",
    `${path} exports no pipeline. Export one made by pipeline(): export default pipeline("name", { steps: [...] }).`,
  );
}
