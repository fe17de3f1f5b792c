/**
 * Loads an Arazzo document and, recursively, every source description it names (OpenAPI descriptions
 * and other Arazzo documents), each with positions for diagnostics. A source that cannot be read or
 * parsed becomes a Diagnostic at its `url` in the referring document and loading goes on, so one run of
 * the checks reports everything. OpenAPI descriptions get an operation index (by operationId and by
 * JSON pointer) whose details (servers, parameters, request body) are resolved lazily, on first use.
 */
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, resolve as resolvePath } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { pointerOf, type Diagnostic, type DocPath } from "./diagnostics.js";
import { parseSource, type Position, type PositionPart } from "./source-map.js";
import { mayReadFrom } from "./source-address.js";

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

/** The largest document or source description read (a bigger one is refused, not read to the end). */
export const MAX_SOURCE_BYTES = 32 * 1024 * 1024;

export interface LoadResult {
  root: LoadedDocument;
  /** The text of every document read, by its `url` (positions inside strings are found in it). */
  texts: Map<string, string>;
  /** Every loaded document by its `url`, the root included. */
  documents: Map<string, LoadedDocument>;
  diagnostics: Diagnostic[];
}

interface LoadContext {
  fetch: typeof fetch;
  timeoutMs: number;
  allowLocalFiles: boolean;
  texts: Map<string, string>;
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

// ---- Locations --------------------------------------------------------------------------------------

function isHttp(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** RFC 3986 resolution of `reference` against the referring document (Arazzo "Relative References in URLs"). */
function resolveReference(reference: string, base: string): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(reference)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https" && scheme !== "file") {
    throw new Error(`url scheme "${scheme}:" is not supported`);
  }
  const resolved = new URL(reference, isHttp(base) ? base : pathToFileURL(base));
  resolved.hash = "";
  return resolved.protocol === "file:" ? fileURLToPath(resolved) : resolved.href;
}

function isLocalAbsolute(url: string): boolean {
  return /^file:/i.test(url) || isAbsolute(url) || /^[a-zA-Z]:[\\/]/.test(url);
}

/** Reads a document: at most MAX_SOURCE_BYTES, and an http(s) one within the timeout, body included. */
async function readLocation(location: string, ctx: LoadContext): Promise<string> {
  const tooLarge = () =>
    new Error(`it is larger than ${MAX_SOURCE_BYTES / 1024 / 1024} MiB, the most sluice reads`);
  if (!isHttp(location)) {
    if ((await stat(location)).size > MAX_SOURCE_BYTES) throw tooLarge();
    const text = await readFile(location, "utf8");
    ctx.texts.set(location, text);
    return text;
  }
  const signal = AbortSignal.timeout(ctx.timeoutMs);
  const response = await fetchFollowingRedirects(location, ctx, signal);
  if (!response.ok)
    throw new Error(
      `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
    );
  if (Number(response.headers.get("content-length") ?? 0) > MAX_SOURCE_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > MAX_SOURCE_BYTES) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    if (signal.aborted) throw new Error(`it did not arrive within ${ctx.timeoutMs} ms`);
    throw error;
  }
  const text = Buffer.concat(chunks).toString("utf8");
  ctx.texts.set(location, text);
  return text;
}

const MAX_REDIRECTS = 5;

/** Follows redirects one hop at a time, so a public server cannot send sluice to an internal address. */
async function fetchFollowingRedirects(
  location: string,
  ctx: LoadContext,
  signal: AbortSignal,
): Promise<Response> {
  let current = location;
  for (let hop = 0; ; hop++) {
    const response = await ctx.fetch(current, {
      headers: {
        accept: "application/vnd.oai.openapi, application/yaml, application/json;q=0.9, */*;q=0.5",
      },
      signal,
      redirect: "manual",
    });
    const next = response.headers.get("location");
    if (response.status < 300 || response.status > 399 || next === null) return response;
    await response.body?.cancel();
    if (hop === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    const target = new URL(next, current).href;
    if (!isHttp(target)) throw new Error(`it redirects to ${target}, which is not http(s)`);
    if (!mayReadFrom(current, target))
      throw new Error(
        `${current} redirects to ${target}, an address on this machine or a private network, which sluice does not follow`,
      );
    current = target;
  }
}

// ---- OpenAPI operation index ------------------------------------------------------------------------

export interface OperationParameter {
  name: string;
  in: string;
  required: boolean;
  /** The Parameter Object after resolving its local $ref. */
  definition: Record<string, unknown>;
}

export interface OperationServer {
  /** Server variables replaced by their defaults; relative to the description's URL when that is http(s). */
  url: string;
  description?: string;
}

export interface IndexedOperation {
  /** `url` of the OpenAPI document. */
  source: string;
  operationId?: string;
  /** Lower case, as in the Path Item Object. */
  method: string;
  /** Path template, e.g. /pets/{petId}. */
  path: string;
  /** JSON pointer that an operationPath names, e.g. /paths/~1pets~1{petId}/get. */
  pointer: string;
  /** Where the Operation Object really is (after a path item $ref), for positions. */
  location: DocPath;
  readonly servers: OperationServer[];
  readonly parameters: OperationParameter[];
  readonly requestBody?: { required: boolean; contentTypes: string[] };
  /** $refs these details needed that are not local or do not resolve. */
  readonly unresolvedRefs: string[];
}

export interface OperationIndex {
  all: IndexedOperation[];
  byId: Map<string, IndexedOperation>;
  /** By JSON pointer, with or without the leading "#", percent-encoded or not. */
  byPointer(pointer: string): IndexedOperation | undefined;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

function indexOperations(doc: LoadedDocument, diagnostics: Diagnostic[]): OperationIndex {
  const root = isRecord(doc.value) ? doc.value : {};
  const all: IndexedOperation[] = [];
  const byId = new Map<string, IndexedOperation>();
  const byPointerMap = new Map<string, IndexedOperation>();
  const paths = isRecord(root.paths) ? root.paths : {};
  for (const [template, rawItem] of Object.entries(paths)) {
    const item = deref(root, rawItem, ["paths", template]);
    if (!isRecord(item.value)) continue;
    for (const method of METHODS) {
      const op = item.value[method];
      if (!isRecord(op)) continue;
      const operation = new LazyOperation(doc.url, root, template, method, op, item.value, [
        ...item.path,
        method,
      ]);
      all.push(operation);
      byPointerMap.set(operation.pointer, operation);
      if (operation.operationId === undefined) continue;
      const first = byId.get(operation.operationId);
      if (first === undefined) {
        byId.set(operation.operationId, operation);
        continue;
      }
      const at = [...operation.location, "operationId"];
      const firstAt = doc.positionOf([...first.location, "operationId"]);
      diagnostics.push({
        file: doc.url,
        ...doc.positionOf(at),
        path: pointerOf(at),
        message: `operationId "${operation.operationId}" of ${method.toUpperCase()} ${template} is already used by ${first.method.toUpperCase()} ${first.path} (line ${firstAt.line})`,
        hint: "operationIds must be unique in an OpenAPI description; rename one, or refer to this operation by operationPath",
      });
    }
  }
  return {
    all,
    byId,
    byPointer(pointer) {
      const key = normalizePointer(pointer);
      return key === undefined ? undefined : byPointerMap.get(key);
    },
  };
}

function normalizePointer(pointer: string): string | undefined {
  let text = pointer.startsWith("#") ? pointer.slice(1) : pointer;
  try {
    text = decodeURIComponent(text); // RFC 6901 section 6: a pointer in a URI fragment is percent-encoded
  } catch {
    return undefined;
  }
  if (!text.startsWith("/")) return undefined;
  const tokens = text
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  return pointerOf(tokens);
}

interface OperationDetails {
  servers: OperationServer[];
  parameters: OperationParameter[];
  requestBody?: { required: boolean; contentTypes: string[] };
  unresolvedRefs: string[];
}

class LazyOperation implements IndexedOperation {
  readonly operationId?: string;
  readonly pointer: string;
  #details?: OperationDetails;

  constructor(
    readonly source: string,
    private readonly root: Record<string, unknown>,
    readonly path: string,
    readonly method: string,
    private readonly op: Record<string, unknown>,
    private readonly pathItem: Record<string, unknown>,
    readonly location: DocPath,
  ) {
    if (typeof op.operationId === "string") this.operationId = op.operationId;
    this.pointer = pointerOf(["paths", path, method]);
  }

  get servers(): OperationServer[] {
    return this.details().servers;
  }
  get parameters(): OperationParameter[] {
    return this.details().parameters;
  }
  get requestBody(): { required: boolean; contentTypes: string[] } | undefined {
    return this.details().requestBody;
  }
  get unresolvedRefs(): string[] {
    return this.details().unresolvedRefs;
  }

  private details(): OperationDetails {
    if (this.#details) return this.#details;
    const unresolvedRefs: string[] = [];
    const resolve = (value: unknown): unknown => {
      const found = deref(this.root, value, []);
      if (found.unresolved !== undefined) unresolvedRefs.push(found.unresolved);
      return found.value;
    };
    // Operation-level parameters override path-level ones with the same name and location.
    const merged = new Map<string, OperationParameter>();
    for (const list of [this.pathItem.parameters, this.op.parameters]) {
      if (!Array.isArray(list)) continue;
      list.forEach((raw) => {
        const p = resolve(raw);
        if (!isRecord(p) || typeof p.name !== "string" || typeof p.in !== "string") return;
        const key = `${p.in}:${p.in === "header" ? p.name.toLowerCase() : p.name}`;
        merged.set(key, {
          name: p.name,
          in: p.in,
          required: p.required === true || p.in === "path",
          definition: p,
        });
      });
    }
    let requestBody: { required: boolean; contentTypes: string[] } | undefined;
    if (this.op.requestBody !== undefined) {
      const body = resolve(this.op.requestBody);
      if (isRecord(body)) {
        requestBody = {
          required: body.required === true,
          contentTypes: isRecord(body.content) ? Object.keys(body.content) : [],
        };
      }
    }
    this.#details = {
      servers: this.pickServers(),
      parameters: [...merged.values()],
      requestBody,
      unresolvedRefs,
    };
    return this.#details;
  }

  /** Operation servers win over path-item servers, which win over the document's (OAS "servers"). */
  private pickServers(): OperationServer[] {
    const chosen = [this.op.servers, this.pathItem.servers, this.root.servers].find(
      (s) => Array.isArray(s) && s.length > 0,
    ) as unknown[] | undefined;
    const servers = (chosen ?? [{ url: "/" }])
      .filter(isRecord)
      .filter((s) => typeof s.url === "string");
    return servers.map((s) => {
      const variables = isRecord(s.variables) ? s.variables : {};
      let url = (s.url as string).replace(/\{([^}]+)\}/g, (whole, name: string) => {
        const v = variables[name];
        return isRecord(v) && v.default !== undefined ? String(v.default) : whole;
      });
      if (isHttp(this.source) && !isHttp(url)) url = new URL(url, this.source).href;
      const out: OperationServer = { url };
      if (typeof s.description === "string") out.description = s.description;
      return out;
    });
  }
}

/** Follows local `$ref`s ("#/..."), at most 32 deep so a cycle cannot hang us. */
function deref(
  root: Record<string, unknown>,
  value: unknown,
  path: DocPath,
): { value: unknown; path: DocPath; unresolved?: string } {
  let current = value;
  let at = path;
  for (let hops = 0; hops < 32; hops++) {
    if (!isRecord(current) || typeof current.$ref !== "string") return { value: current, path: at };
    const ref = current.$ref;
    if (!ref.startsWith("#")) return { value: undefined, path: at, unresolved: ref };
    const target = resolvePointer(root, ref.slice(1));
    if (target === undefined) return { value: undefined, path: at, unresolved: ref };
    current = target.value;
    at = target.path;
  }
  return {
    value: undefined,
    path: at,
    unresolved: String((value as Record<string, unknown>).$ref),
  };
}

function resolvePointer(
  root: unknown,
  pointer: string,
): { value: unknown; path: DocPath } | undefined {
  let text = pointer;
  try {
    text = decodeURIComponent(pointer);
  } catch {
    return undefined;
  }
  if (text === "") return { value: root, path: [] };
  if (!text.startsWith("/")) return undefined;
  const path: (string | number)[] = [];
  let current = root;
  for (const raw of text.slice(1).split("/")) {
    const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(token)) {
      current = current[Number(token)];
      path.push(Number(token));
    } else if (isRecord(current) && Object.hasOwn(current, token)) {
      current = current[token];
      path.push(token);
    } else {
      return undefined;
    }
  }
  return { value: current, path };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT") return "no such file";
    if (code === "EISDIR") return "it is a directory";
    if (error.name === "TimeoutError") return "timed out";
    return error.message;
  }
  return String(error);
}
