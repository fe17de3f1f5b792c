/**
 * What a step or action names: an operation (by operationId or operationPath) in a source description,
 * a workflow (here or in an Arazzo source), and the path parameters the named operation has.
 */
import { closest, SluiceError } from "sluice/internal";
import { pointerOf, type DocPath } from "./diagnostics.js";
import { parsePointer } from "../expressions/json-pointer.js";
import type { IndexedOperation } from "./operation-index.js";
import {
  isObj,
  list,
  preview,
  suggest,
  type DocInfo,
  type SourceInfo,
  type WorkflowInfo,
} from "./reference-model.js";
import { messageOf, report, type ReferenceContext } from "./reference-report.js";

const SOURCE_REF = /^\$sourceDescriptions\.([A-Za-z0-9_-]+)\.(.+)$/s;
const OPERATION_PATH = /^\{\$sourceDescriptions\.([A-Za-z0-9_-]+)\.url\}#(.*)$/s;
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Checks an operationId; the operation it names, when it names exactly one. */
export function operationId(
  c: ReferenceContext,
  doc: DocInfo,
  path: DocPath,
  id: string,
  where: string,
): IndexedOperation | undefined {
  if (id.startsWith("$")) {
    const m = SOURCE_REF.exec(id);
    const source = m
      ? sourceNamed(
          c,
          doc,
          path,
          m[1]!,
          `${where}: operationId "${id}"`,
          id,
          "$sourceDescriptions.".length,
        )
      : undefined;
    if (!source) return;
    if (source.kind === "arazzo") {
      report(c, doc, path, {
        message: `${where}: operationId "${id}" names source "${source.name}", an Arazzo document, which has no operations`,
        hint: `to run one of its workflows write workflowId: $sourceDescriptions.${source.name}.<workflowId>`,
      });
      return;
    }
    const ops = source.loaded?.operations;
    const offset = "$sourceDescriptions.".length + source.name.length + 1;
    if (ops && !ops.byId.has(m![2]!))
      report(
        c,
        doc,
        path,
        {
          message: `${where}: source "${source.name}" has no operation with operationId "${m![2]}"`,
          hint: suggest(m![2]!, [...ops.byId.keys()], "operationIds there"),
        },
        id,
        offset,
      );
    return ops?.byId.get(m![2]!);
  }
  const candidates = [...doc.sources.values()].filter((s) => s.kind !== "arazzo");
  if (candidates.length === 0 || candidates.some((s) => !s.loaded?.operations)) return; // none, or one could not be read
  const found = candidates.filter((s) => s.loaded!.operations!.byId.has(id));
  if (found.length === 1) return found[0]!.loaded!.operations!.byId.get(id);
  if (found.length > 1) {
    const names = found.map((s) => `"${s.name}"`).join(", ");
    report(c, doc, path, {
      message: `${where}: operationId "${id}" is ambiguous: it is defined in the source descriptions ${names}`,
      hint: `say which one, e.g. $sourceDescriptions.${found[0]!.name}.${id}`,
    });
    return;
  }
  const all = candidates.flatMap((s) => [...s.loaded!.operations!.byId.keys()]);
  const names = candidates.map((s) => `"${s.name}"`).join(", ");
  const message = `${where}: no operation in the source description${candidates.length > 1 ? "s" : ""} ${names} has operationId "${id}"`;
  // Redocly Respect's shorthand `source.operationId`: the standard form is $sourceDescriptions.source.operationId.
  const dot = id.indexOf(".");
  const source = dot > 0 ? doc.sources.get(id.slice(0, dot)) : undefined;
  if (source?.loaded?.operations?.byId.has(id.slice(dot + 1))) {
    const standard = `$sourceDescriptions.${id}`;
    report(c, doc, path, {
      message,
      hint: `write ${JSON.stringify(standard)}`,
      fix: { value: standard },
    });
    return;
  }
  report(c, doc, path, { message, hint: suggest(id, all, "operationIds there") });
}

/** Checks an operationPath; the operation it names, when it resolves. */
export function operationPath(
  c: ReferenceContext,
  doc: DocInfo,
  path: DocPath,
  value: string,
  where: string,
): IndexedOperation | undefined {
  const m = OPERATION_PATH.exec(value);
  if (!m) return;
  const what = `${where}: operationPath`;
  const source = sourceNamed(c, doc, path, m[1]!, what, value, "{$sourceDescriptions.".length);
  if (!source) return;
  if (source.kind === "arazzo") {
    report(c, doc, path, {
      message: `${what} points into source "${source.name}", an Arazzo document, which has no operations`,
      hint: `to run one of its workflows write workflowId: $sourceDescriptions.${source.name}.<workflowId>`,
    });
    return;
  }
  const raw = m[2]!;
  const fragment = value.length - raw.length;
  let tokens: string[];
  try {
    const decoded = decodeURIComponent(raw); // RFC 6901 section 6: a fragment may be percent-encoded
    try {
      tokens = parsePointer(decoded);
    } catch (error) {
      const offset =
        decoded === raw && SluiceError.is(error) && typeof error.details?.offset === "number"
          ? error.details.offset
          : 0;
      report(
        c,
        doc,
        path,
        {
          message: `${what} has a malformed JSON pointer: ${messageOf(error)}`,
          hint: "in a JSON pointer '~' is written '~0' and '/' is written '~1' (RFC 6901)",
        },
        value,
        fragment + offset,
      );
      return;
    }
  } catch {
    report(
      c,
      doc,
      path,
      {
        message: `${what} "${value}" has a malformed percent-encoding after "#"`,
        hint: "write '%' as '%25', or leave the pointer unencoded",
      },
      value,
      fragment,
    );
    return;
  }
  const ops = source.loaded?.operations;
  if (!ops) return;
  const operation = ops.byPointer(raw);
  if (operation) return operation;
  const paths = [...new Set(ops.all.map((o) => o.path))];
  const pointerOfPath = (p: string, method: string): string =>
    `#${pointerOf(["paths", p, method])}`;
  let hint: string;
  if (tokens[0] !== "paths" || tokens.length < 3) {
    hint = `an operation is at #/paths/<path with '/' written '~1'>/<method>, e.g. ${ops.all[0] ? pointerOfPath(ops.all[0].path, ops.all[0].method) : "#/paths/~1pets/get"}`;
  } else {
    const method = tokens[tokens.length - 1]!;
    const joined = tokens.slice(1, -1).join("/");
    const template =
      tokens.length === 3
        ? tokens[1]!
        : ([joined, `/${joined}`].find((p) => paths.includes(p)) ?? joined);
    const methods = ops.all.filter((o) => o.path === template).map((o) => o.method);
    if (tokens.length > 3 && methods.length > 0 && methods.includes(method)) {
      hint = `inside a JSON pointer '/' is written '~1': ${pointerOfPath(template, method)}`;
    } else if (methods.length > 0) {
      hint =
        METHODS.includes(method.toLowerCase()) && methods.includes(method.toLowerCase())
          ? `methods are lower case: ${pointerOfPath(template, method.toLowerCase())}`
          : `path "${template}" has ${methods.map((x) => x.toUpperCase()).join(", ")}`;
    } else {
      const near =
        closest(template, paths) ??
        (template.startsWith("/") ? undefined : paths.find((p) => p === `/${template}`));
      hint =
        near !== undefined
          ? `did you mean path "${near}"? (${pointerOfPath(near, method)})`
          : `paths there: ${preview(paths)}`;
    }
  }
  report(c, doc, path, {
    message: `${what}: source "${source.name}" has no operation at ${pointerOf(tokens)}`,
    hint,
  });
}

/** A step's `in: path` parameters must be placeholders of the operation's path template. */
export function pathParameters(
  c: ReferenceContext,
  doc: DocInfo,
  path: DocPath,
  params: unknown,
  operation: IndexedOperation,
  where: string,
): void {
  const names = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  list(params).forEach((p, i) => {
    if (!isObj(p) || p.in !== "path" || typeof p.name !== "string" || names.includes(p.name))
      return;
    const target = `${operation.method.toUpperCase()} ${operation.path}`;
    report(c, doc, [...path, "parameters", i, "name"], {
      message: `${where}: path parameter "${p.name}" is not in the operation's path ${target}`,
      hint:
        names.length === 0
          ? `that path has no parameters; remove it, or use in: query or in: header`
          : suggest(p.name, names, `path parameters of ${target}`),
    });
  });
}

/** A workflowId: local, or `$sourceDescriptions.<name>.<workflowId>` in an Arazzo source. */
export function workflowRef(
  c: ReferenceContext,
  doc: DocInfo,
  path: DocPath,
  ref: string,
  what: string,
): WorkflowInfo | undefined {
  if (!ref.startsWith("$")) {
    const local = doc.workflows.get(ref);
    if (local) return local;
    const elsewhere = [...doc.sources.values()].find((s) => s.info?.workflows.has(ref));
    const hint = elsewhere
      ? `it is in source "${elsewhere.name}": write $sourceDescriptions.${elsewhere.name}.${ref}`
      : suggest(ref, [...doc.workflows.keys()], "workflows here");
    report(c, doc, path, { message: `${what} "${ref}" is not a workflow of this document`, hint });
    return undefined;
  }
  const m = SOURCE_REF.exec(ref);
  const source = m
    ? sourceNamed(c, doc, path, m[1]!, `${what} "${ref}"`, ref, "$sourceDescriptions.".length)
    : undefined;
  if (!source) return undefined;
  if (source.kind === "openapi") {
    report(c, doc, path, {
      message: `${what} "${ref}" names source "${source.name}", an OpenAPI description, which has no workflows`,
      hint: `to call one of its operations use operationId: $sourceDescriptions.${source.name}.<operationId>`,
    });
    return undefined;
  }
  const other = source.info;
  if (!other) return undefined;
  const target = other.workflows.get(m![2]!);
  if (!target)
    report(c, doc, path, {
      message: `${what}: source "${source.name}" has no workflow "${m![2]}"`,
      hint: suggest(m![2]!, [...other.workflows.keys()], `workflows in "${source.name}"`),
    });
  return target;
}

/** A source description by name, reporting an unknown one (at `offset` of the name in `text`). */
function sourceNamed(
  c: ReferenceContext,
  doc: DocInfo,
  path: DocPath,
  name: string,
  what: string,
  text?: string,
  offset = 0,
): SourceInfo | undefined {
  const source = doc.sources.get(name);
  if (source === undefined)
    report(
      c,
      doc,
      path,
      {
        message: `${what}: there is no source description named "${name}"`,
        hint: suggest(name, [...doc.sources.keys()], "source descriptions"),
      },
      text,
      offset,
    );
  return source;
}
