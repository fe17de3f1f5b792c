/**
 * Transpiles one TypeScript file for the compile cache (typescript.ts), only when its cache file is
 * missing or stale, so esbuild is loaded only then. esbuild resolves each import (extensions,
 * `./x.js` standing for `./x.ts`, folder indexes, tsconfig `paths`): imports of installed packages
 * stay as written for Node to resolve, TypeScript files are pointed at their own cache files, and
 * other files at their original URL.
 */
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Message, Plugin } from "esbuild";
import { inNodeModules, isTypeScript } from "./file-kinds.js";

export interface CompiledFile {
  code: string;
  /** The TypeScript files it imports (absolute paths), each compiled in turn. */
  imports: string[];
}

const INNER = "sluice-inner-resolve";

export async function compileOne(
  source: string,
  cacheFileFor: (source: string) => string | undefined,
): Promise<CompiledFile> {
  const esbuild = await import("esbuild");
  const imports: string[] = [];
  const fileUrl = pathToFileURL(source).href;
  const rewriteImports: Plugin = {
    name: "sluice-rewrite-imports",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point" || args.pluginData === INNER) return undefined;
        if (args.path.startsWith("node:")) return { path: args.path, external: true };
        const relative = /^\.{1,2}(\/|$)/.test(args.path) || args.path.startsWith("/");
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: INNER,
        });
        if (found.errors.length > 0 || found.external || found.path === "") {
          if (relative) return { errors: found.errors };
          return { path: args.path, external: true }; // a package, or a name only Node knows
        }
        if (!relative && inNodeModules(found.path)) return { path: args.path, external: true };
        if (isTypeScript(found.path)) {
          const cacheFile = cacheFileFor(found.path);
          if (cacheFile !== undefined) {
            imports.push(found.path);
            return { path: pathToFileURL(cacheFile).href, external: true };
          }
        }
        return { path: pathToFileURL(found.path).href, external: true };
      });
    },
  };
  const cacheFile = cacheFileFor(source)!;
  let result: Awaited<ReturnType<typeof esbuild.build<{ write: false }>>>;
  try {
    result = await esbuild.build({
      entryPoints: [source],
      outfile: cacheFile, // source map paths are relative to it; nothing is written (write: false)
      write: false,
      bundle: true,
      treeShaking: false,
      platform: "node",
      format: "esm",
      // tsx's transform options: the same text, so the same code fingerprints.
      target: `node${process.versions.node}`,
      minifyWhitespace: true,
      keepNames: true,
      sourcemap: "inline",
      sourcesContent: false,
      mainFields: ["main"],
      conditions: [],
      logLevel: "silent",
      define: {
        "import.meta.url": JSON.stringify(fileUrl),
        "import.meta.filename": JSON.stringify(source),
        "import.meta.dirname": JSON.stringify(dirname(source)),
        __filename: JSON.stringify(source),
        __dirname: JSON.stringify(dirname(source)),
      },
      plugins: [rewriteImports],
    });
  } catch (error) {
    throw new Error(describeFailure(error, source), { cause: error });
  }
  return { code: result.outputFiles[0]!.text, imports: [...new Set(imports)] };
}

/** esbuild's first error as `file:line:column: text`, the way an editor shows it. */
function describeFailure(error: unknown, source: string): string {
  const first = (error as { errors?: Message[] }).errors?.[0];
  if (!first) return `${source}: ${error instanceof Error ? error.message : String(error)}`;
  const where = first.location
    ? `${resolve(first.location.file)}:${first.location.line}:${first.location.column + 1}`
    : source;
  return `${where}: ${first.text}`;
}
