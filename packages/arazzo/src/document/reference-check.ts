/**
 * Cross-reference checks of Arazzo 1.0.x documents (versions/1.0.1.md): step targets (operationId,
 * operationPath, workflowId), goto targets, dependsOn (and its cycles), Reusable Object references,
 * JSON Schema `$ref`s of inputs, and every runtime expression a step, workflow or component uses
 * (parsed, and naming steps, outputs, inputs, workflows, sources and components that exist).
 * Only the parts that are structurally sound are looked at; anything malformed is skipped, since
 * checkStructure reports it. Never throws.
 *
 * What an expression may name where it is evaluated, and the decisions behind it, are in
 * reference-model.ts. Expressions in components are checked where they are defined (syntax,
 * sources, components) and again, against the using workflow, wherever something references them.
 *
 * This module walks the documents and checks cycles across them; the reference-*.ts modules check
 * each kind of object, sharing the context of reference-report.ts.
 */
import { readFileSync } from "node:fs";
import type { Diagnostic } from "./diagnostics.js";
import type { LoadedDocument } from "./load.js";
import { action } from "./reference-actions.js";
import { schemaRefs } from "./reference-components.js";
import { value } from "./reference-expressions.js";
import { isObj } from "./reference-model.js";
import {
  createContext,
  internal,
  report,
  result,
  type ReferenceContext,
} from "./reference-report.js";
import { workflow } from "./reference-workflow.js";
import { callCycleProblem, dependsOnCycleProblem, findCycles } from "./workflow-cycles.js";

export interface ReferenceCheckOptions {
  /**
   * The source text of a document, used to point inside a string at an expression's own column.
   * Default: local files are read again; http(s) documents get the string's position.
   */
  textOf?: (url: string) => string | undefined;
  /**
   * The RFC 9535 parser for jsonpath criteria (validate.ts imports it only when a document has one).
   * Default: loaded here on first use.
   */
  parseJsonPath?: (query: string) => unknown;
}

/** Every cross-reference problem in the Arazzo documents of `loaded`, sorted by file and position. */
export function checkReferences(
  loaded: { root: LoadedDocument; documents: Map<string, LoadedDocument> },
  options: ReferenceCheckOptions = {},
): Diagnostic[] {
  const c = createContext(
    loaded.documents,
    options.textOf ?? readLocalText(),
    options.parseJsonPath,
  );
  const docs = new Map<string, LoadedDocument>([
    [loaded.root.url, loaded.root],
    ...loaded.documents,
  ]);
  for (const doc of docs.values()) {
    if (doc.kind !== "arazzo" || !isObj(doc.value)) continue;
    try {
      document(c, doc);
    } catch (error) {
      internal(c, doc, error);
    }
  }
  try {
    cycles(c);
  } catch (error) {
    internal(c, loaded.root, error);
  }
  return result(c);
}

function readLocalText(): (url: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (url) => {
    if (!cache.has(url)) {
      let text: string | undefined;
      try {
        text = /^https?:/i.test(url) ? undefined : readFileSync(url, "utf8");
      } catch {
        text = undefined;
      }
      cache.set(url, text);
    }
    return cache.get(url);
  };
}

function document(c: ReferenceContext, doc: LoadedDocument): void {
  const info = c.info(doc)!;
  const base = { doc: info, phase: "response" as const, syntax: true };
  for (const wf of info.workflows.values()) workflow(c, wf);
  // Components on their own: what does not depend on the workflow that uses them.
  for (const kind of ["parameters", "successActions", "failureActions", "inputs"] as const) {
    const map = info.components[kind];
    if (!isObj(map)) continue;
    for (const [name, entry] of Object.entries(map)) {
      const path = ["components", kind, name];
      if (kind === "inputs") schemaRefs(c, info, path, entry, 0);
      else if (!isObj(entry)) continue;
      else if (kind === "parameters")
        value(
          c,
          { ...base, phase: "request" },
          [...path, "value"],
          entry.value,
          `components.parameters.${name}`,
        );
      else action(c, base, path, entry, `components.${kind}.${name}`);
    }
  }
}

/** dependsOn cycles (a workflow waiting for itself) and call cycles (a workflow running itself, unbounded): after every document, since they cross documents. */
function cycles(c: ReferenceContext): void {
  for (const { wf, path, cycle } of findCycles(c.edges))
    report(c, wf.doc, path, dependsOnCycleProblem(wf.id, cycle));
  for (const { wf, path, cycle } of findCycles(c.calls))
    report(c, wf.doc, path, callCycleProblem(wf.id, cycle));
}
