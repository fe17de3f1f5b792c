/**
 * Parses YAML or JSON text into a plain value plus a lookup from a path in that value to its line and
 * column, so every later check can point at the exact key or value. Never throws: syntax errors, duplicate
 * keys, non-JSON tags and alias bombs all come back as Diagnostics.
 *
 * Two fast paths read the usual document without the `yaml` package (which costs ~30 ms to load and
 * ~10 times js-yaml's time to parse): valid JSON through JSON.parse, and plain YAML (no anchors,
 * aliases, tags, directives, several documents, merge or complex keys) through js-yaml with the YAML
 * 1.2 core schema. The `yaml` package is loaded only when a document needs the careful path, or when
 * a diagnostic needs a position.
 */
import { createRequire } from "node:module";
import { load as loadYaml } from "js-yaml";
import type { Document, LineCounter } from "yaml";
import { pointerOf, type Diagnostic, type DocPath } from "./diagnostics.js";
import { CORE_SCHEMA, needsCarefulYaml } from "./yaml-fast.js";

type YamlModule = typeof import("yaml");
let yamlModule: YamlModule | undefined;

/** The `yaml` package, loaded on first use (synchronously: positionOf is synchronous). */
function yaml(): YamlModule {
  return (yamlModule ??= createRequire(import.meta.url)("yaml") as YamlModule);
}

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** "value" (default): where the node's value starts; "key": where its key is (for map entries). */
export type PositionPart = "value" | "key";

export interface ParsedSource {
  value: unknown;
  format: "json" | "yaml";
  diagnostics: Diagnostic[];
  /** Position of the node at `path`, or of its nearest existing ancestor (1:1 for an empty document). */
  positionOf(path: DocPath, part?: PositionPart): Position;
}

// The JSON Schema ruleset of YAML 1.2 (the Arazzo spec's "Format" section allows only these tags).
const JSON_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
);

const START: Position = { line: 1, column: 1 };

/** Parses `text` (the contents of `file`, which is only used to fill in Diagnostic.file). */
export function parseSource(text: string, file: string): ParsedSource {
  const fast = tryFastJson(text) ?? tryFastYaml(text);
  if (fast) return fast;
  const diagnostics: Diagnostic[] = [];
  const tooDeep = deepestLine(text);
  if (tooDeep !== undefined) {
    diagnostics.push({
      file,
      line: tooDeep,
      column: 1,
      path: "",
      message: `the document nests more than ${MAX_DEPTH} levels deep`,
      hint: "no Arazzo or OpenAPI document needs that; check the file is the one you meant",
    });
    return {
      value: null,
      format: looksLikeJson(text) ? "json" : "yaml",
      diagnostics,
      positionOf: () => START,
    };
  }
  try {
    const located = parseYaml(text);
    for (const error of [...located.doc.errors, ...located.doc.warnings]) {
      const at = located.lines.linePos(error.pos[0]);
      diagnostics.push({
        file,
        line: at.line,
        column: at.col,
        path: "",
        ...describe(error.code, error.message, text, error.pos),
      });
    }
    checkNodes(located, file, diagnostics);
    let value: unknown = null;
    try {
      value = located.doc.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      diagnostics.push({
        file,
        ...START,
        path: "",
        message: `cannot read the document: ${messageOf(error)}`,
        hint: "remove the alias or anchor the message names",
      });
    }
    return {
      value,
      format: looksLikeJson(text) ? "json" : "yaml",
      diagnostics,
      positionOf: (path, part) => locate(located, path, part),
    };
  } catch (error) {
    // The parser itself failed (e.g. nesting so deep the stack ran out): report it, never throw.
    diagnostics.push({
      file,
      ...START,
      path: "",
      message: `cannot parse the document: ${messageOf(error)}`,
    });
    return { value: null, format: "yaml", diagnostics, positionOf: () => START };
  }
}

interface Located {
  doc: Document.Parsed;
  lines: LineCounter;
  source: string;
}

function parseYaml(text: string): Located {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  // logLevel "error": the yaml package would otherwise print warnings on process stderr itself.
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    logLevel: "error",
  });
  return { doc, lines, source: text };
}

/**
 * The yaml package recurses once per nesting level, and a stack overflow while V8 compiles a regular
 * expression kills the process instead of throwing, so too-deep documents are refused before parsing.
 * This over-estimates the depth (openers are counted even in strings and comments) and returns the
 * first line where the estimate passes MAX_DEPTH.
 */
const MAX_DEPTH = 400;

function deepestLine(text: string): number | undefined {
  let flow = 0;
  let line = 1;
  let indent = 0;
  let indicators = 0;
  let atLineStart = true;
  let quote = 0; // the quote character we may be inside, or 0
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      indent = 0;
      indicators = 0;
      atLineStart = true;
      comment = false;
      continue;
    }
    if (atLineStart && c === 0x20) {
      indent++;
      continue;
    }
    atLineStart = false;
    const prev = i > 0 ? text.charCodeAt(i - 1) : 0x20;
    if (c === 0x5b || c === 0x7b)
      flow++; // [ {
    else if (quote !== 0) {
      if (c === 0x5c && quote === 0x22)
        i++; // backslash escape in a double-quoted string
      else if (c === quote) quote = 0;
    } else if (comment) {
      // closers in a comment do not close anything
    } else if (c === 0x5d || c === 0x7d) {
      if (flow > 0) flow--;
    } else if (c === 0x22 || (c === 0x27 && !isWordChar(prev))) {
      quote = c;
    } else if (c === 0x23 && (prev === 0x20 || prev === 0x09)) {
      comment = true;
    } else if (
      (c === 0x2d || c === 0x3f || c === 0x3a) &&
      (i + 1 >= text.length || text.charCodeAt(i + 1) <= 0x20)
    ) {
      indicators++; // "- ", "? ", ": " each may open a block collection
    }
    // A block sequence may sit at its parent key's indentation, so one space can carry two levels.
    if (flow + 2 * indent + indicators > MAX_DEPTH) return line;
  }
  return undefined;
}

function isWordChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c > 0x7f
  );
}

function looksLikeJson(text: string): boolean {
  const first = /\S/.exec(text);
  return first !== null && (first[0] === "{" || first[0] === "[");
}

/**
 * Valid JSON without duplicate keys parses to the same value through JSON.parse, about 80 times faster
 * than the YAML composer on big OpenAPI files; positions are then computed only if someone asks.
 */
function tryFastJson(text: string): ParsedSource | undefined {
  if (!looksLikeJson(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // let the YAML parser produce a located syntax error (or read it as YAML flow style)
  }
  if (hasDuplicateKeys(text)) return undefined;
  return { value, format: "json", diagnostics: [], positionOf: lazyPositions(text) };
}

/**
 * Plain YAML (see needsCarefulYaml) read by js-yaml with the core schema gives the value the yaml
 * package gives; anything js-yaml refuses goes the careful way, which locates the problem.
 */
function tryFastYaml(text: string): ParsedSource | undefined {
  if (needsCarefulYaml(text) || deepestLine(text) !== undefined) return undefined;
  let value: unknown;
  try {
    value = loadYaml(text, { schema: CORE_SCHEMA, json: false });
  } catch {
    return undefined;
  }
  if (value === undefined) return undefined; // an empty document: let the careful path say so
  return {
    value,
    format: looksLikeJson(text) ? "json" : "yaml",
    diagnostics: [],
    positionOf: lazyPositions(text),
  };
}

/** positionOf for a document read on a fast path: parses it with the yaml package on first use. */
function lazyPositions(text: string): ParsedSource["positionOf"] {
  let located: Located | undefined;
  return (path, part) => {
    try {
      if (deepestLine(text) !== undefined) return START;
      located ??= parseYaml(text);
      return locate(located, path, part);
    } catch {
      return START;
    }
  };
}

/** Scans text already known to be valid JSON for an object with the same key twice. */
function hasDuplicateKeys(text: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] != null;
    } else if (c === 0x22 /* " */) {
      let end = i + 1;
      let escaped = false;
      for (; end < text.length; end++) {
        const d = text.charCodeAt(end);
        if (d === 0x5c) {
          escaped = true;
          end++;
        } else if (d === 0x22) break;
      }
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const raw = text.slice(i + 1, end);
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (keys.has(key)) return true;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    }
  }
  return false;
}

function describe(
  code: string,
  message: string,
  text: string,
  pos: [number, number],
): { message: string; hint?: string } {
  if (code === "DUPLICATE_KEY") {
    return {
      message: `duplicate key ${keyAt(text, pos[0])} in this map`,
      hint: "each key may appear once; remove or rename one of them",
    };
  }
  if (code === "TAG_RESOLVE_FAILED")
    return {
      message,
      hint: "only the JSON tags (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq) are allowed",
    };
  if (code === "MULTIPLE_DOCS") return { message, hint: "put one document per file" };
  if (code === "BAD_INDENT" || code === "MISSING_CHAR" || code === "UNEXPECTED_TOKEN")
    return {
      message: `YAML syntax error: ${message}`,
      hint: "check the indentation, quotes and brackets here",
    };
  return { message: `YAML syntax error: ${message}` };
}

/** The key written at `offset`, as it reads in the source (quoted keys keep their quotes). */
function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset, offset + 200);
  const quoted = /^"(?:[^"\\\n]|\\.)*"|^'(?:[^'\n]|'')*'/.exec(rest);
  if (quoted) return quoted[0];
  const plain = /^[^:\n]*/.exec(rest)?.[0].trim() ?? "";
  return plain === "" ? "(empty)" : plain;
}

/** Keys that are not scalars, and tags outside the JSON ruleset, which JSON could not represent. */
function checkNodes(located: Located, file: string, out: Diagnostic[]): void {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  const at = (offset: number): Position => {
    const p = located.lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const walk = (node: unknown, path: (string | number)[], depth: number): void => {
    if (depth > 1000 || !node || typeof node !== "object") return;
    const tag = (node as { tag?: string }).tag;
    const range = (node as { range?: [number, number, number] }).range;
    // Unknown tags already come back as yaml warnings; here: known YAML tags outside the JSON ruleset.
    if (tag !== undefined && tag.startsWith("tag:yaml.org,2002:") && !JSON_TAGS.has(tag) && range) {
      let bang = located.source.lastIndexOf("!", range[0]);
      while (bang > 0 && located.source[bang - 1] === "!") bang--;
      const lineStart = located.source.lastIndexOf("\n", range[0]);
      out.push({
        file,
        ...at(bang > lineStart ? bang : range[0]),
        path: pointerOf(path),
        message: `tag ${tag.replace("tag:yaml.org,2002:", "!!")} is not allowed`,
        hint: "Arazzo documents may use only the JSON tags (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq); remove the tag",
      });
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        if (key !== null && !isScalar(key)) {
          const r = (key as { range?: [number, number, number] }).range;
          out.push({
            file,
            ...(r ? at(r[0]) : START),
            path: pointerOf(path),
            message: "map keys must be plain strings, not lists or maps",
            hint: "use a string key",
          });
          continue;
        }
        walk(pair.value, [...path, String(key?.value ?? "")], depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index], depth + 1));
    }
  };
  walk(located.doc.contents, [], 0);
}

function positionOfNode(located: Located, node: unknown): Position | undefined {
  const { isScalar } = yaml();
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (!range) return undefined;
  // An empty value (`key:` with nothing after it) has a zero-width range; its key is a better place.
  if (isScalar(node) && range[0] === range[1] && node.source === "") return undefined;
  const p = located.lines.linePos(range[0]);
  return { line: p.line, column: p.col };
}

function locate(located: Located, path: DocPath, part: PositionPart = "value"): Position {
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  let node: unknown = located.doc.contents;
  let best = positionOfNode(located, node) ?? START;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(located.doc);
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return best;
      const keyPos = positionOfNode(located, pair.key);
      if (last && part === "key") return keyPos ?? best;
      node = pair.value;
      best = positionOfNode(located, node) ?? keyPos ?? best;
    } else if (isSeq(node)) {
      const index =
        typeof segment === "number" ? segment : /^\d+$/.test(segment) ? Number(segment) : -1;
      const item = node.items[index];
      if (item === undefined) return best;
      node = item;
      best = positionOfNode(located, node) ?? best;
    } else {
      return best;
    }
  }
  return best;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
