/**
 * Loads an Arazzo document and, recursively, every source description it names (OpenAPI descriptions
 * and other Arazzo documents), each with positions for diagnostics. A source that cannot be read or
 * parsed becomes a Diagnostic at its `url` in the referring document and loading goes on, so one run of
 * the checks reports everything. OpenAPI descriptions get an operation index (by operationId and by
 * JSON pointer) whose details (servers, parameters, request body) are resolved lazily, on first use.
 */
import { resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { pointerOf, type Diagnostic, type DocPath } from "./diagnostics.js";
import { indexOperations, isRecord, type OperationIndex } from "./operation-index.js";
import { parseSource, type Position, type PositionPart } from "./source-map.js";
import { mayReadFrom } from "./source-address.js";
import {
  isHttp,
  isLocalAbsolute,
  messageOf,
  readLocation,
  resolveReference,
  type ReadContext,
} from "./source-read.js";

export interface LoadedDocument {
  /** Absolute file path or http(s) URL. */
  url: string;
  kind: "arazzo" | "openapi";
  value: unknown;
  positionOf(path: DocPath, part?: PositionPart): Position;
  /** OpenAPI 3.0.x / 3.1.x descriptions only. */
  operations?: OperationIndex;
  /** Arazzo documents only: source description name → `url` of its LoadedDocument in `documents`. */
  sources?: Map<string, string>;
}

export interface LoadOptions {
  /** Replace the url of root source descriptions by name (paths relative to the working directory). */
  sourceUrls?: Record<string, string>;
  fetch?: typeof fetch;
  /** Per-request timeout for http(s) sources, in ms, the whole body included (default 30 s). */
  timeoutMs?: number;
  /**
   * Let a document name sources by absolute path or `file:` URL. Off by default: a document (perhaps
   * from elsewhere) may then read only files beside it (relative urls, `../` included); `sourceUrls`
   * given by the caller are always allowed.
   */
  allowLocalFiles?: boolean;
}

export interface LoadResult {
  root: LoadedDocument;
  /** The text of every document read, by its `url` (positions inside strings are found in it). */
  texts: Map<string, string>;
  /** Every loaded document by its `url`, the root included. */
  documents: Map<string, LoadedDocument>;
  diagnostics: Diagnostic[];
}

interface LoadContext extends ReadContext {
  allowLocalFiles: boolean;
  documents: Map<string, LoadedDocument>;
  /** Locations already being loaded (guards cycles and loads shared sources once). */
  seen: Set<string>;
  diagnostics: Diagnostic[];
}

/** Loads `fileOrUrl` (a path relative to the working directory, or an http(s) URL) and its sources. */
export async function loadArazzo(
  fileOrUrl: string,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const ctx: LoadContext = {
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs ?? 30_000,
    allowLocalFiles: options.allowLocalFiles ?? false,
    texts: new Map(),
    documents: new Map(),
    seen: new Set(),
    diagnostics: [],
  };
  const url = isHttp(fileOrUrl)
    ? new URL(fileOrUrl).href
    : resolvePath(fileOrUrl.startsWith("file:") ? fileURLToPath(fileOrUrl) : fileOrUrl);
  ctx.seen.add(url);
  let root: LoadedDocument;
  try {
    const text = await readLocation(url, ctx);
    const { document, diagnostics } = documentFromText(text, url, "arazzo");
    root = document;
    ctx.diagnostics.push(...diagnostics);
  } catch (error) {
    root = { url, kind: "arazzo", value: undefined, positionOf: () => ({ line: 1, column: 1 }) };
    ctx.diagnostics.push({
      file: url,
      line: 1,
      column: 1,
      path: "",
      message: `cannot read the Arazzo document: ${messageOf(error)}`,
      hint: "check the path or URL",
    });
  }
  ctx.documents.set(url, root);
  await loadSources(root, ctx, options.sourceUrls);
  return { root, documents: ctx.documents, texts: ctx.texts, diagnostics: ctx.diagnostics };
}

/** A LoadedDocument from text already in memory (tests, stdin, an editor buffer). */
export function documentFromText(
  text: string,
  url: string,
  kind: "arazzo" | "openapi",
): { document: LoadedDocument; diagnostics: Diagnostic[] } {
  const parsed = parseSource(text, url);
  const document: LoadedDocument = {
    url,
    kind,
    value: parsed.value,
    positionOf: parsed.positionOf,
  };
  const diagnostics = [...parsed.diagnostics];
  if (kind === "openapi" && parsed.diagnostics.length === 0) {
    document.operations = indexOperations(document, diagnostics);
  }
  return { document, diagnostics };
}

async function loadSources(
  doc: LoadedDocument,
  ctx: LoadContext,
  overrides?: Record<string, string>,
): Promise<void> {
  const list = isRecord(doc.value) ? doc.value.sourceDescriptions : undefined;
  doc.sources = new Map();
  if (!Array.isArray(list)) return;
  const names = new Set<string>();
  const jobs = list.map(async (entry: unknown, index): Promise<void> => {
    if (!isRecord(entry) || typeof entry.url !== "string") return; // the structure check reports it
    const name = typeof entry.name === "string" ? entry.name : String(index);
    names.add(name);
    const override = overrides?.[name];
    const at = ["sourceDescriptions", index, "url"];
    const report = (message: string, hint?: string): void => {
      ctx.diagnostics.push({
        file: doc.url,
        ...doc.positionOf(at),
        path: pointerOf(at),
        message,
        hint,
      });
    };
    if (override === undefined && !ctx.allowLocalFiles && isLocalAbsolute(entry.url)) {
      report(
        `source description "${name}": url ${JSON.stringify(entry.url)} is an absolute local path; a document may name only files beside it (relative urls) unless local files are allowed`,
        "write a path relative to this document, pass --source-file NAME=PATH, or allow it with --allow-local-files",
      );
      return;
    }
    let target: string;
    try {
      // A replacement url comes from the command line, so it is relative to the working directory.
      target =
        override === undefined
          ? resolveReference(entry.url, doc.url)
          : resolveReference(override, resolvePath(process.cwd(), "cli"));
    } catch (error) {
      report(
        `source description "${name}": ${messageOf(error)}`,
        "use a relative path, an absolute path, or an http(s) URL",
      );
      return;
    }
    if (override === undefined && !mayReadFrom(doc.url, target)) {
      report(
        `source description "${name}": url ${target} is on this machine or a private network, and ${doc.url} was read from a public address, so sluice does not read it`,
        `download the document and run it from disk, or pass --source-url ${name}=URL or --source-file ${name}=PATH`,
      );
      return;
    }
    doc.sources!.set(name, target);
    if (ctx.seen.has(target)) return;
    ctx.seen.add(target);
    let text: string;
    try {
      text = await readLocation(target, ctx);
    } catch (error) {
      report(
        `source description "${name}": cannot read ${target}: ${messageOf(error)}`,
        isHttp(target)
          ? "check the URL is reachable"
          : "check the path; a relative url is resolved from the folder of the document that names it",
      );
      return;
    }
    const declared = entry.type === "arazzo" || entry.type === "openapi" ? entry.type : undefined;
    const parsed = parseSource(text, target);
    const kind =
      declared ?? (isRecord(parsed.value) && "arazzo" in parsed.value ? "arazzo" : "openapi");
    if (parsed.diagnostics.length > 0) {
      const first = parsed.diagnostics
        .slice(0, 3)
        .map((d) => `${d.line}:${d.column}: ${d.message}`)
        .join("; ");
      report(
        `source description "${name}": ${target} is not valid YAML or JSON (${first})`,
        "fix the syntax errors in that file",
      );
      return;
    }
    const document: LoadedDocument = {
      url: target,
      kind,
      value: parsed.value,
      positionOf: parsed.positionOf,
    };
    const problem = kindProblem(document, declared);
    if (problem) {
      report(`source description "${name}": ${problem.message}`, problem.hint);
      if (problem.fatal) return;
    }
    ctx.documents.set(target, document);
    if (kind === "openapi") document.operations = indexOperations(document, ctx.diagnostics);
    else await loadSources(document, ctx);
  });
  await Promise.all(jobs);
  for (const key of Object.keys(overrides ?? {})) {
    if (!names.has(key)) {
      ctx.diagnostics.push({
        file: doc.url,
        ...doc.positionOf(["sourceDescriptions"], "key"),
        path: "/sourceDescriptions",
        message: `no source description is named "${key}", so its replacement url cannot be used`,
        hint: `names here: ${[...names].join(", ") || "(none)"}`,
      });
    }
  }
}

function kindProblem(
  doc: LoadedDocument,
  declared: string | undefined,
): { message: string; hint: string; fatal: boolean } | undefined {
  const value = doc.value;
  if (!isRecord(value))
    return {
      message: `${doc.url} is not an object`,
      hint: "point url at an OpenAPI or Arazzo description",
      fatal: true,
    };
  if (doc.kind === "arazzo") {
    if (typeof value.arazzo !== "string")
      return {
        message: `${doc.url} has no "arazzo" version field, so it is not an Arazzo document`,
        hint: declared
          ? "set type: openapi if it is an OpenAPI description"
          : "point url at an Arazzo document",
        fatal: true,
      };
    return undefined;
  }
  if ("arazzo" in value)
    return {
      message: `${doc.url} is an Arazzo document, but the source description says type: openapi`,
      hint: "set type: arazzo",
      fatal: true,
    };
  if ("swagger" in value)
    return {
      message: `${doc.url} is a Swagger ${String(value.swagger)} description, which sluice does not support`,
      hint: "convert it to OpenAPI 3.0 or 3.1 (e.g. with swagger2openapi)",
      fatal: true,
    };
  if (typeof value.openapi !== "string" || !/^3\.[01]\.\d+/.test(value.openapi)) {
    return {
      message: `${doc.url} is not an OpenAPI 3.0.x or 3.1.x description (openapi: ${JSON.stringify(value.openapi ?? null)})`,
      hint: "sluice reads OpenAPI 3.0.x and 3.1.x descriptions",
      fatal: true,
    };
  }
  return undefined;
}
