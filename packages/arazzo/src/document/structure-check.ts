/**
 * The schema-level rules of an Arazzo 1.0.x document (versions/1.0.1.md, section "Schema"), hand-written so
 * each problem names the field, the object it is in and how to fix it, at the exact line and column.
 * Cross-references (goto targets, component and source names, operations) are checked elsewhere.
 *
 * This module checks the document root, info and sourceDescriptions; each other object has its own
 * structure-*.ts module, and structure-fields.ts holds the helpers they share.
 */
import type { Diagnostic } from "./diagnostics.js";
import type { LoadedDocument } from "./load.js";
import { components } from "./structure-components.js";
import * as f from "./structure-fields.js";
import type { Keyed, Obj, StructureContext } from "./structure-fields.js";
import { workflows } from "./structure-workflow.js";

const VERSION = /^1\.0\.\d+(-.+)?$/;
const ROOT_FIELDS = ["arazzo", "info", "sourceDescriptions", "workflows", "components"];
const INFO_FIELDS = ["title", "summary", "description", "version"];
const SOURCE_FIELDS = ["name", "url", "type"];

/** Every schema-level problem in `doc` (an Arazzo document), in document order. */
export function checkStructure(doc: LoadedDocument): Diagnostic[] {
  const c: StructureContext = { doc, out: [] };
  root(c, doc.value);
  return c.out.sort((a, b) => a.line - b.line || a.column - b.column);
}

function root(c: StructureContext, value: unknown): void {
  if (!f.isObj(value)) {
    f.report(
      c,
      [],
      `an Arazzo document must be an object with arazzo, info, sourceDescriptions and workflows; found ${f.kindOf(value)}`,
      "start from a document like: arazzo: 1.0.1",
    );
    return;
  }
  if (value.arazzo === undefined && ("openapi" in value || "swagger" in value)) {
    // One clear message instead of a list of "unknown field" ones.
    f.report(
      c,
      [],
      "this is an OpenAPI description, not an Arazzo document (no 'arazzo' field)",
      "name it in an Arazzo document's sourceDescriptions",
    );
    return;
  }
  f.fields(c, [], value, ROOT_FIELDS, "the Arazzo document");
  if (value.arazzo === undefined) {
    f.report(
      c,
      [],
      "the document is missing the required field 'arazzo'",
      "add arazzo: 1.0.1 at the top",
    );
  } else {
    if (typeof value.arazzo !== "string") {
      f.report(
        c,
        ["arazzo"],
        `'arazzo' must be a version string such as "1.0.1", found ${f.kindOf(value.arazzo)}`,
        "write the full version, arazzo: 1.0.1 (YAML reads 1.0 as a number)",
      );
    }
    const version = typeof value.arazzo === "string" ? value.arazzo : undefined;
    if (version !== undefined && !VERSION.test(version)) {
      f.report(
        c,
        ["arazzo"],
        `arazzo version "${version}" is not supported; sluice reads Arazzo 1.0.x`,
        "set arazzo: 1.0.1",
      );
    }
  }
  if (f.required(c, [], value, "info", "the Arazzo document", "add info: with title and version"))
    info(c, value.info);
  if (
    f.required(
      c,
      [],
      value,
      "sourceDescriptions",
      "the Arazzo document",
      "add sourceDescriptions: with at least one { name, url, type }",
    )
  )
    sources(c, value);
  if (
    f.required(
      c,
      [],
      value,
      "workflows",
      "the Arazzo document",
      "add workflows: with at least one workflow",
    )
  )
    workflows(c, value);
  if (value.components !== undefined) components(c, value.components);
}

function info(c: StructureContext, value: unknown): void {
  const info = f.object(c, ["info"], value, "info");
  if (!info) return;
  f.fields(c, ["info"], info, INFO_FIELDS, "info");
  if (f.required(c, ["info"], info, "title", "info", "add title: <a human readable title>"))
    f.string(c, ["info"], info, "title", "info");
  if (
    f.required(
      c,
      ["info"],
      info,
      "version",
      "info",
      "add version: of this document, e.g. version: 1.0.0",
    )
  )
    f.string(c, ["info"], info, "version", "info");
  for (const field of ["summary", "description"]) f.string(c, ["info"], info, field, "info");
}

function sources(c: StructureContext, root: Obj): void {
  const list = f.list(c, [], root, "sourceDescriptions", "the Arazzo document", 1);
  if (!list) return;
  const names: Keyed[] = [];
  list.forEach((entry, i) => {
    const path = ["sourceDescriptions", i];
    const source = f.object(c, path, entry, `sourceDescriptions[${i}]`);
    if (!source) return;
    const what =
      typeof source.name === "string"
        ? `source description "${source.name}"`
        : `sourceDescriptions[${i}]`;
    f.fields(c, path, source, SOURCE_FIELDS, what);
    if (
      f.required(
        c,
        path,
        source,
        "name",
        what,
        "add name: <a unique name>, used as $sourceDescriptions.<name>",
      )
    ) {
      const name = f.name(c, path, source, "name", what);
      names.push({ key: name, label: `source description "${name}"`, path: [...path, "name"] });
    }
    if (
      f.required(
        c,
        path,
        source,
        "url",
        what,
        "add url: the path or URL of the OpenAPI or Arazzo description",
      )
    ) {
      const url = f.string(c, path, source, "url", what);
      if (url !== undefined && (url.trim() === "" || /\s/.test(url)))
        f.report(
          c,
          [...path, "url"],
          `${what}: url "${url}" is not a URI reference`,
          "remove the spaces (write them as %20)",
        );
    }
    f.oneOf(c, path, source, "type", what, ["openapi", "arazzo"]);
  });
  f.unique(c, names, "give each source description a unique name");
}
