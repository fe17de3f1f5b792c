/**
 * The one entry point that validates an Arazzo document fully before anything runs: load it and its
 * source descriptions, check the structure of every Arazzo document among them, then check their
 * cross-references. The result lists every problem once, sorted by file, line and column.
 * @example
 * const { diagnostics } = await validateArazzo("flows/checkout.arazzo.yaml");
 * throwIfDiagnostics(diagnostics); // one SluiceError("invalid-document") naming each problem
 */
import { sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { loadArazzo, type LoadOptions, type LoadResult } from "./load.js";
import { checkReferences } from "./reference-check.js";
import { checkStructure } from "./structure-check.js";

export interface ValidateOptions extends LoadOptions {
  /** Report the forms sluice accepts with a warning (a bare expression in a string, a JSONPath comparison) as errors. */
  strict?: boolean;
}

export interface ValidateResult {
  /** Every problem found (empty when the document can run), sorted by file, line and column. */
  diagnostics: Diagnostic[];
  /** Forms that run as meant but are not standard, each with the standard rewrite in its hint (none with `strict`). */
  warnings: Diagnostic[];
  loaded: LoadResult;
}

/** Loads `fileOrUrl` (a path or an http(s) URL) with its sources and reports everything wrong with it. */
export async function validateArazzo(
  fileOrUrl: string,
  options: ValidateOptions = {},
): Promise<ValidateResult> {
  const loaded = await loadArazzo(fileOrUrl, options);

  const structural: Diagnostic[] = [];
  for (const doc of loaded.documents.values()) {
    if (doc.kind === "arazzo" && doc.value !== undefined) structural.push(...checkStructure(doc));
  }
  // A value the structure check already rejects gets no second, cross-reference diagnostic.
  const flagged = new Set(
    structural.filter((d) => d.severity !== "warning").map((d) => `${d.file}\0${d.path}`),
  );
  // The JSONPath parser is big: imported only for a document with a jsonpath criterion.
  const parseJsonPath = hasJsonPathCriteria(loaded)
    ? (await import("jsonpath-rfc9535/parser")).default
    : undefined;
  const references = checkReferences(loaded, {
    textOf: (url) => loaded.texts.get(url),
    parseJsonPath,
  }).filter((d) => !flagged.has(`${d.file}\0${d.path}`));

  const seen = new Set<string>();
  const all = sortDiagnostics([...loaded.diagnostics, ...structural, ...references]).filter((d) => {
    const key = `${d.file}\0${d.line}\0${d.column}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (options.strict)
    return { diagnostics: all.map(({ severity: _warning, ...d }) => d), warnings: [], loaded };
  return {
    diagnostics: all.filter((d) => d.severity !== "warning"),
    warnings: all.filter((d) => d.severity === "warning"),
    loaded,
  };
}

/** Whether any Arazzo document among them has a criterion of type "jsonpath" (what checkReferences parses). */
function hasJsonPathCriteria(loaded: LoadResult): boolean {
  const visit = (value: unknown, depth: number): boolean => {
    if (depth > 64 || typeof value !== "object" || value === null) return false;
    if (Array.isArray(value)) return value.some((v) => visit(v, depth + 1));
    const obj = value as Record<string, unknown>;
    if (typeof obj.condition === "string" && obj.type === "jsonpath") return true;
    return Object.values(obj).some((v) => visit(v, depth + 1));
  };
  for (const doc of loaded.documents.values())
    if (doc.kind === "arazzo" && visit(doc.value, 0)) return true;
  return false;
}
