/**
 * The state every reference check shares: the diagnostics (each reported once), the model of the
 * documents, the source text used to point inside a string, and the workflow edges that the cycle
 * check reads at the end.
 */
import { pointerOf, sortDiagnostics, type Diagnostic, type DocPath } from "./diagnostics.js";
import type { LoadedDocument } from "./load.js";
import { createModel, type DocInfo, type Problem } from "./reference-model.js";
import type { Position } from "./source-map.js";
import type { Edges } from "./workflow-cycles.js";

export type JsonPathParser = (query: string) => unknown;

/** How deep payloads and inputs schemas are walked; anything deeper is not checked. */
export const MAX_DEPTH = 64;

export interface ReferenceContext {
  readonly out: Map<string, Diagnostic>;
  readonly info: (doc: LoadedDocument) => DocInfo | undefined;
  readonly textOf: (url: string) => string | undefined;
  /** The source lines of each document, read on first use. */
  readonly lines: Map<string, string[] | undefined>;
  /** Set on the first jsonpath criterion when the caller did not pass one. */
  parseJsonPath: JsonPathParser | undefined;
  /** dependsOn edges between workflows ("url#id"), with where each entry is. */
  readonly edges: Map<string, Edges>;
  /** Call edges: a step's workflowId, an action's workflowId (each runs the callee inside the caller). */
  readonly calls: Map<string, Edges>;
}

export function createContext(
  documents: Map<string, LoadedDocument>,
  textOf: (url: string) => string | undefined,
  parseJsonPath: JsonPathParser | undefined,
): ReferenceContext {
  return {
    out: new Map(),
    info: createModel(documents),
    textOf,
    lines: new Map(),
    parseJsonPath,
    edges: new Map(),
    calls: new Map(),
  };
}

export function result(c: ReferenceContext): Diagnostic[] {
  return sortDiagnostics([...c.out.values()]);
}

export function internal(c: ReferenceContext, doc: LoadedDocument, error: unknown): void {
  const message = `internal error while checking references: ${error instanceof Error ? error.message : String(error)}`;
  add(c, {
    file: doc.url,
    line: 1,
    column: 1,
    path: "",
    message,
    hint: "this is a bug in sluice; please report it with the document",
  });
}

/** Reports at `path`; with `text` and `offset`, at that offset inside the string when it can. */
export function report(
  c: ReferenceContext,
  doc: DocInfo,
  path: DocPath,
  problem: Problem,
  text?: string,
  offset = 0,
): void {
  const at = text === undefined ? doc.doc.positionOf(path) : inside(c, doc.doc, path, text, offset);
  add(c, {
    file: doc.doc.url,
    line: at.line,
    column: at.column,
    path: pointerOf(path),
    message: problem.message,
    hint: problem.hint,
    ...(problem.severity ? { severity: problem.severity } : {}),
    ...(problem.fix ? { fix: problem.fix } : {}),
  });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// A component checked from several places may yield the same problem more than once: keep the first.
function add(c: ReferenceContext, d: Diagnostic): void {
  const key = `${d.file}\0${d.line}\0${d.column}\0${d.message}`;
  if (!c.out.has(key)) c.out.set(key, d);
}

/** A column inside a one-line plain or quoted scalar holding exactly `text`; else the value's position. */
function inside(
  c: ReferenceContext,
  doc: LoadedDocument,
  path: DocPath,
  text: string,
  offset: number,
): Position {
  const pos = doc.positionOf(path);
  if (!c.lines.has(doc.url)) c.lines.set(doc.url, c.textOf(doc.url)?.split(/\r?\n/));
  const line = c.lines.get(doc.url)?.[pos.line - 1];
  if (line === undefined || text.includes("\n")) return pos;
  const start = pos.column - 1;
  const quote = line[start];
  if (quote === '"' || quote === "'") {
    if (text.includes(quote) || (quote === '"' && text.includes("\\"))) return pos;
    if (
      line.slice(start + 1, start + 1 + text.length) !== text ||
      line[start + 1 + text.length] !== quote
    )
      return pos;
    return { line: pos.line, column: pos.column + 1 + offset };
  }
  if (line.slice(start, start + text.length) !== text) return pos;
  // A plain scalar that goes on (folded onto the next line) has more text after it on this line.
  const rest = line.slice(start + text.length);
  if (rest.trim() !== "" && !/^\s+#/.test(rest) && !/^\s*[,\]}]/.test(rest)) return pos;
  return { line: pos.line, column: pos.column + offset };
}
