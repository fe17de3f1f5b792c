/**
 * Users' TypeScript modules, loaded in-process. Node 20 has no in-thread module hooks, and tsx's
 * off-thread hooks cost about 0.25 s of CPU per process, so each TypeScript file is transpiled once
 * with esbuild (tsx's own options, so a step's code fingerprint is the same as under tsx) into a
 * cache file, and the cache file is imported. A file is transpiled again only when its text, its
 * tsconfig.json, esbuild or Node changes.
 *
 * Where the cache lives decides how the compiled file's bare imports (`sluice`, `zod`) resolve, so
 * it is `node_modules/.cache/sluice/ts/` in the nearest folder above the source that has a
 * `node_modules`: Node's lookup from there visits the same `node_modules` folders as from the source.
 * Relative imports of TypeScript files are rewritten to their cache files, other relative imports to
 * the original file's URL; `import.meta.url`, `import.meta.dirname`, `import.meta.filename`,
 * `__dirname` and `__filename` are the source's. Inline source maps keep stack traces on the `.ts`
 * lines. With no `node_modules` above the source, or a cache that cannot be written, tsx's hooks are
 * used instead.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { recordCompiledModule } from "../core/index.js";
import { isTypeScript } from "./file-kinds.js";

/** Changes whenever what this file writes changes, so older cache files are not used. */
const FORMAT = "sluice-ts-1";
const FOOTER = "//sluice-ts ";

/**
 * Imports a user's module by absolute path: TypeScript through the compile cache (or tsx when
 * there is no usable cache folder), JavaScript as it is.
 */
export async function importUserModule(path: string): Promise<Record<string, unknown>> {
  if (!isTypeScript(path))
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const compiled = await compiledUrl(path);
  if (compiled === undefined) {
    await registerTsx();
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  }
  // As tsx does: errors thrown in the compiled file point at the TypeScript source's lines.
  process.setSourceMapsEnabled(true);
  return (await import(compiled)) as Record<string, unknown>;
}

let tsxRegistered: Promise<void> | undefined;
function registerTsx(): Promise<void> {
  tsxRegistered ??= import("tsx/esm/api").then(({ register }) => {
    register();
  });
  return tsxRegistered;
}

const compiledInProcess = new Map<string, Promise<string | undefined>>();

/**
 * The URL of `path`'s compiled module, after making sure it and every TypeScript file it imports
 * (transitively) are compiled from their current text; undefined when there is no cache folder.
 */
export function compiledUrl(path: string): Promise<string | undefined> {
  let compiled = compiledInProcess.get(path);
  if (!compiled) {
    compiled = compileTree(path);
    compiledInProcess.set(path, compiled);
  }
  return compiled;
}

interface CacheEntry {
  source: string;
  cacheFile: string;
  key: string;
}

/** Checks (and compiles where stale) `entry` and the TypeScript files it imports; its cache URL. */
export async function compileTree(entry: string): Promise<string | undefined> {
  const entryCache = cacheFileFor(entry);
  if (entryCache === undefined) return undefined;
  const seen = new Set<string>([entry]);
  let wave: string[] = [entry];
  while (wave.length > 0) {
    const next: string[] = [];
    const stale: CacheEntry[] = [];
    for (const source of wave) {
      const cacheFile = cacheFileFor(source);
      if (cacheFile === undefined) return undefined;
      recordCompiledModule(cacheFile, source);
      const key = cacheKey(source);
      const deps = cachedDeps(cacheFile, key);
      if (deps === undefined) stale.push({ source, cacheFile, key });
      else next.push(...deps);
    }
    if (stale.length > 0) {
      const written = await compileFiles(stale);
      if (written === undefined) return undefined;
      next.push(...written);
    }
    wave = [...new Set(next)].filter((dep) => !seen.has(dep));
    for (const dep of wave) seen.add(dep);
  }
  return pathToFileURL(entryCache).href;
}

/** The dependencies recorded in a fresh cache file, or undefined when it is missing or stale. */
function cachedDeps(cacheFile: string, key: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(cacheFile, "utf8");
  } catch {
    return undefined;
  }
  const at = text.lastIndexOf(FOOTER);
  if (at < 0) return undefined;
  try {
    const footer = JSON.parse(text.slice(at + FOOTER.length)) as { key: string; deps: string[] };
    return footer.key === key ? footer.deps : undefined;
  } catch {
    return undefined;
  }
}

/** What the compiled text depends on: the source, its tsconfig.json, esbuild's and Node's versions. */
function cacheKey(source: string): string {
  const hash = createHash("sha256").update(FORMAT).update("\0").update(process.versions.node);
  hash.update("\0").update(esbuildVersion()).update("\0").update(source).update("\0");
  hash.update(readFileSync(source));
  const tsconfig = nearestTsconfig(dirname(source));
  if (tsconfig !== undefined) hash.update("\0").update(tsconfig).update(readFileSync(tsconfig));
  return hash.digest("hex");
}

let esbuildVersionRead: string | undefined;
function esbuildVersion(): string {
  // The installed package's version, read without loading esbuild (a warm start never loads it).
  esbuildVersionRead ??= (() => {
    const manifest = new URL(import.meta.resolve("esbuild/package.json"));
    return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  })();
  return esbuildVersionRead;
}

const tsconfigByFolder = new Map<string, string | undefined>();
function nearestTsconfig(folder: string): string | undefined {
  if (tsconfigByFolder.has(folder)) return tsconfigByFolder.get(folder);
  const candidate = join(folder, "tsconfig.json");
  const parent = dirname(folder);
  const found = existsSync(candidate)
    ? candidate
    : parent === folder
      ? undefined
      : nearestTsconfig(parent);
  tsconfigByFolder.set(folder, found);
  return found;
}

const cacheFolderBySourceFolder = new Map<string, string | undefined>();
/** The cache file for `source`: named by its base name and a hash of its absolute path. */
function cacheFileFor(source: string): string | undefined {
  const folder = cacheFolder(dirname(source));
  if (folder === undefined) return undefined;
  const pathHash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  return join(folder, `${basename(source, extname(source))}-${pathHash}.mjs`);
}

function cacheFolder(sourceFolder: string): string | undefined {
  if (cacheFolderBySourceFolder.has(sourceFolder))
    return cacheFolderBySourceFolder.get(sourceFolder);
  const modules = join(sourceFolder, "node_modules");
  const parent = dirname(sourceFolder);
  let found: string | undefined;
  if (isFolder(modules)) found = join(modules, ".cache", "sluice", "ts");
  else if (parent !== sourceFolder) found = cacheFolder(parent);
  cacheFolderBySourceFolder.set(sourceFolder, found);
  return found;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Compiles each stale file and writes its cache file (temporary name, then rename, so a reader
 * never sees half a file). Returns the TypeScript files they import, or undefined when a cache
 * folder cannot be written (the caller falls back to tsx).
 */
async function compileFiles(entries: CacheEntry[]): Promise<string[] | undefined> {
  const { compileOne } = await import("./compile-file.js");
  const results = await Promise.all(entries.map((entry) => compileOne(entry.source, cacheFileFor)));
  const deps: string[] = [];
  for (const [index, { code, imports }] of results.entries()) {
    const { cacheFile, key } = entries[index]!;
    const text = `${code}\n${FOOTER}${JSON.stringify({ key, deps: imports })}\n`;
    if (!writeAtomically(cacheFile, text)) return undefined;
    deps.push(...imports);
  }
  return deps;
}

function writeAtomically(file: string, text: string): boolean {
  const temporary = `${file}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, text);
    renameSync(temporary, file);
    return true;
  } catch {
    rmSync(temporary, { force: true });
    return false;
  }
}
