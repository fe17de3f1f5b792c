/**
 * `sluice arazzo fix`: rewrites the forms sluice accepts with a warning into their standard form (a
 * bare expression braced, a JSONPath comparison as the filter it means) by replacing just those
 * values in the document's text, as double-quoted strings (valid in YAML and JSON alike): comments,
 * layout and every other value stay as they were.
 */
import type { Document } from "yaml";
import type { Diagnostic } from "./diagnostics.js";
import { parsePointer } from "../expressions/json-pointer.js";

export interface FixResult {
  /** The document's new text. */
  text: string;
  /** The warnings that were fixed. */
  fixed: Diagnostic[];
}

/** Applies the `fix` of each diagnostic about `file` that has one (whose text is `text`) and returns the new text. */
export async function applyFixes(
  text: string,
  file: string,
  warnings: readonly Diagnostic[],
): Promise<FixResult> {
  // Loaded here: the arazzo index re-exports this module, and a run does not need the yaml package.
  const { isMap, isScalar, isSeq, parseDocument } = await import("yaml");
  const document = parseDocument(text);
  const edits: Array<{ start: number; end: number; value: string; warnings: Diagnostic[] }> = [];
  for (const warning of warnings) {
    if (warning.file !== file || warning.fix === undefined) continue;
    const node = document.getIn(
      yamlPath(document, parsePointer(warning.path), (n) =>
        isSeq(n) ? "seq" : isMap(n) ? "map" : undefined,
      ),
      true,
    );
    if (!isScalar(node) || node.range === undefined || node.range === null) continue;
    const value = JSON.stringify(warning.fix.value);
    // One edit a scalar: the same fix found twice (one per expression in it) is made once; a second,
    // different fix of the same value is left for the next validation of the new text.
    const same = edits.find((edit) => edit.start === node.range![0]);
    if (same) {
      if (same.value === value) same.warnings.push(warning);
      continue;
    }
    edits.push({ start: node.range[0], end: node.range[1], value, warnings: [warning] });
  }
  // From the end backwards, so that earlier offsets stay valid.
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.value + out.slice(edit.end);
  return { text: out, fixed: edits.reverse().flatMap((edit) => edit.warnings) };
}

/** A JSON pointer's tokens as a yaml path: indexes of sequences are numbers. */
function yamlPath(
  document: Document,
  tokens: readonly string[],
  kindOf: (node: unknown) => "seq" | "map" | undefined,
): Array<string | number> {
  const path: Array<string | number> = [];
  let node: unknown = document.contents;
  for (const token of tokens) {
    const kind = kindOf(node);
    const key = kind === "seq" ? Number(token) : token;
    path.push(key);
    node =
      kind === undefined
        ? undefined
        : (node as { get(key: unknown, keepScalar: true): unknown }).get(key, true);
  }
  return path;
}
