/**
 * Diagnostics: one problem found in an Arazzo document (or a description it uses), with the exact place
 * (file, 1-based line and column, JSON-pointer-like path) and a hint saying how to fix it.
 */
import { relative, isAbsolute } from "node:path";
import { SluiceError } from "sluice/internal";

export interface Diagnostic {
  /** Absolute file path or URL of the document the problem is in. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** JSON-pointer-like path of the offending node, e.g. /workflows/0/steps/2/operationId ("" = whole document). */
  path: string;
  /** What is wrong. */
  message: string;
  /** How to fix it. */
  hint?: string;
  /**
   * `warning`: a form sluice accepts because its meaning is plain (it runs as meant), with the standard
   * rewrite in the hint; `validate --strict` makes warnings errors. Absent: an error.
   */
  severity?: "warning";
  /** The standard form, when it is unambiguous: the scalar at `path` becomes `value` (`sluice arazzo fix` applies it). */
  fix?: { value: string };
}

/** A path inside a parsed document: object keys and array indexes. */
export type DocPath = readonly (string | number)[];

/** RFC 6901 form of a path ("~" as "~0", "/" as "~1"); the empty path is "". */
export function pointerOf(path: DocPath): string {
  let out = "";
  for (const segment of path) out += "/" + String(segment).replace(/~/g, "~0").replace(/\//g, "~1");
  return out;
}

export interface FormatOptions {
  /** Show files under this directory relative to it (default: as stored). */
  relativeTo?: string;
}

/** `file:line:column: message (hint)`, the form editors and terminals turn into links. */
export function formatDiagnostic(d: Diagnostic, options: FormatOptions = {}): string {
  const file = displayFile(d.file, options.relativeTo);
  return `${file}:${d.line}:${d.column}: ${d.severity === "warning" ? "warning: " : ""}${d.message}${d.hint ? ` (${d.hint})` : ""}`;
}

function displayFile(file: string, base: string | undefined): string {
  if (base === undefined || !isAbsolute(file)) return file;
  const rel = relative(base, file);
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

/** Orders diagnostics by file, then position, so output is stable whatever order checks ran in. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
}

const SHOWN = 20;

/**
 * One SluiceError("invalid-document") for a list of diagnostics; `details.diagnostics` holds them all,
 * the message lists the first few so a terminal shows what to fix without a JSON viewer.
 */
export function diagnosticsError(
  diagnostics: readonly Diagnostic[],
  options: FormatOptions & { what?: string } = {},
): SluiceError {
  const sorted = sortDiagnostics(diagnostics);
  const what = options.what ?? "The Arazzo description";
  const count = sorted.length === 1 ? "1 problem" : `${sorted.length} problems`;
  const lines = sorted.slice(0, SHOWN).map((d) => `  ${formatDiagnostic(d, options)}`);
  if (sorted.length > SHOWN)
    lines.push(`  ... and ${sorted.length - SHOWN} more (see details.diagnostics)`);
  return new SluiceError(
    "invalid-document",
    `${what} is invalid (${count}); fix these before running it:\n${lines.join("\n")}`,
    {
      details: { diagnostics: sorted },
    },
  );
}

/** Throws diagnosticsError(...) when the list is not empty. */
export function throwIfDiagnostics(
  diagnostics: readonly Diagnostic[],
  options: FormatOptions & { what?: string } = {},
): void {
  if (diagnostics.length > 0) throw diagnosticsError(diagnostics, options);
}
