/**
 * The operation index of an OpenAPI description: its operations by operationId and by JSON pointer,
 * each with details (servers, parameters, request body) resolved lazily, on first use.
 */
import { pointerOf, type Diagnostic, type DocPath } from "./diagnostics.js";
import type { LoadedDocument } from "./load.js";
import { isHttp } from "./source-read.js";

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

export function indexOperations(doc: LoadedDocument, diagnostics: Diagnostic[]): OperationIndex {
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

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
