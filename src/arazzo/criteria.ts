/**
 * Criterion Objects (Arazzo 1.0.1 "Criterion Object" and "Criterion Expression Type Object"):
 * compiled once, so a bad pattern is reported before any call, then evaluated many times.
 *
 * - simple: condition.ts. A context, if given, is checked and ignored.
 * - regex: an ECMA-262 pattern, compiled with the `u` flag (code points, `\p{...}`, like the
 *   I-Regexp of JSONPath's match()); a pattern only legacy (Annex B) syntax accepts, such as
 *   `[\w-.]` or `\-`, is compiled without it. Unanchored: `^200$` anchors itself. It is tested
 *   against the context value: strings as they are, numbers, booleans and bigints as JavaScript
 *   writes them (`200`, `true`); objects, arrays, bytes, null and missing values make it false
 *   (point the context at the field instead: `$response.body#/status`).
 * - jsonpath: RFC 9535 (jsonpath-rfc9535), or the Goessner draft (jsonpath-plus, its safe
 *   evaluator, never `eval`). True when the node list is non-empty. The spec's examples
 *   (`$[?count(@.pets) > 0]` on `$response.body`) mean the filter to test the context itself;
 *   RFC 9535 would test its members. So a query whose first segment is only filters runs on
 *   `[context]` unless the context is an array (whose elements a filter means); `$` in it still
 *   means the context. Other queries (`$.pets[0]`, `$..id`) run on the context; members of an
 *   object are tested with `$[?@[?...]]`. For the same examples, count() of a singular query
 *   (`count(@.pets)`) counts the children of its value (0 for a scalar or nothing), where RFC 9535
 *   §2.4.5 counts nodes (always 0 or 1 there); other count() arguments follow the RFC. RFC 9535
 *   §2.4.3 well-typedness is checked at compile time (the library does not).
 * - xpath: XPath 1.0 (the `xpath` package) over a document parsed by @xmldom/xmldom from the
 *   context (a string or UTF-8 bytes). xpath-20/-30 and the default 3.1 are accepted, evaluated as
 *   1.0: their other syntax and functions are compile errors. Prefixes resolve against the
 *   document element's declarations; unprefixed names match no-namespace elements only (1.0).
 *   True by XPath 1.0 boolean(): a non-empty node set or string, a non-zero number, true.
 * - At run time nothing throws (Arazzo 1.1.0 "Evaluation Errors"): a null or missing context, a
 *   malformed XML body, or a library error make the criterion false; a throwing resolver
 *   propagates. Versions `rfc9535` and `xpath-31` (Arazzo 1.1.0's names for the defaults) are
 *   accepted too. Regexes run on the main thread: a catastrophic pattern can be slow.
 */
import { createRequire } from "node:module";
import { DOMParser, type Document } from "@xmldom/xmldom";
import { JSONPath } from "jsonpath-plus";
import { query as queryRfc9535, type JsonValue } from "jsonpath-rfc9535";
import parseRfc9535 from "jsonpath-rfc9535/parser";
import { jsonPathComparisonRewrite } from "./jsonpath-comparison.js";
import { compileRegex } from "./regex-criterion.js";
import { closest, SluiceError } from "../core/index.js";
import { compileCondition, conditionExpressions, evaluateCondition, type CompiledCondition, type ExpressionResolver } from "./condition.js";
import { expressionToString, parseExpression, quoteForMessage, type RuntimeExpression } from "./expression.js";

export type CriterionType = "simple" | "regex" | "jsonpath" | "xpath";

export interface CriterionInput {
  condition: string;
  context?: string;
  type?: CriterionType | { type: "jsonpath" | "xpath"; version: string };
}

export type CompiledCriterion =
  | {
      readonly type: "simple";
      readonly source: string;
      readonly condition: CompiledCondition;
      /** The runtime expressions the criterion reads. */
      readonly expressions: readonly RuntimeExpression[];
    }
  | {
      readonly type: "regex" | "jsonpath" | "xpath";
      /** `ecma-262`, `rfc9535`, `draft-goessner-dispatch-jsonpath-00` or `xpath-10` ... `xpath-31`. */
      readonly version: string;
      readonly source: string;
      readonly context: RuntimeExpression;
      readonly expressions: readonly RuntimeExpression[];
      /** Tests a context value directly; never throws. */
      readonly matches: (contextValue: unknown) => boolean;
    };

const TYPES: readonly CriterionType[] = ["simple", "regex", "jsonpath", "xpath"];
const GOESSNER = "draft-goessner-dispatch-jsonpath-00";
const VERSIONS = { jsonpath: ["rfc9535", GOESSNER], xpath: ["xpath-31", "xpath-30", "xpath-20", "xpath-10"] } as const;
const DEFAULT_VERSION = { simple: "simple", regex: "ecma-262", jsonpath: "rfc9535", xpath: "xpath-31" } as const;

/** Checks and compiles a Criterion Object; throws SluiceError("invalid-expression"). */
export function compileCriterion(criterion: CriterionInput): CompiledCriterion {
  const source: unknown = criterion.condition;
  if (typeof source !== "string" || source.trim() === "") {
    throw criterionError(`A criterion's condition must be a non-empty string, such as "$statusCode == 200"; found ${describeValue(source)}.`, {});
  }
  const { type, version } = criterionType(criterion.type);
  if (type === "simple") {
    if (criterion.context !== undefined) contextExpression(criterion.context, type);
    const condition = compileCondition(source);
    return Object.freeze({ type, source, condition, expressions: conditionExpressions(condition) });
  }
  const context = contextExpression(criterion.context, type);
  const matches = type === "regex" ? compileRegex(source) : type === "xpath" ? compileXPath(source, version) : version === GOESSNER ? compileGoessner(source) : compileRfc9535(source);
  return Object.freeze({ type, version, source, context, expressions: Object.freeze([context]), matches });
}

/** Whether the criterion holds. Only a throwing resolver makes this throw. */
export function evaluateCriterion(compiled: CompiledCriterion, resolve: ExpressionResolver): boolean {
  if (compiled.type === "simple") return evaluateCondition(compiled.condition, resolve);
  const result = resolve(compiled.context);
  if (!result.found || result.value === undefined || result.value === null) return false;
  return compiled.matches(result.value);
}

/** One line for logs: the condition, its type and what it applies to. */
export function describeCriterion(compiled: CompiledCriterion): string {
  if (compiled.type === "simple") return compiled.source;
  const dialect = compiled.version === GOESSNER ? ` (${GOESSNER})` : compiled.type === "xpath" ? ` (${compiled.version}, evaluated as XPath 1.0)` : "";
  return `${compiled.type}${dialect} ${quoteForMessage(compiled.source)} on ${expressionToString(compiled.context)}`;
}

function criterionType(raw: CriterionInput["type"] | unknown): { type: CriterionType; version: string } {
  if (raw === undefined) return { type: "simple", version: "simple" };
  if (typeof raw === "string") {
    const type = TYPES.find((t) => t === raw);
    if (type === undefined) {
      const guess = closest(raw.toLowerCase(), TYPES);
      throw criterionError(`Unknown criterion type ${JSON.stringify(raw)}.${guess === undefined ? "" : ` Did you mean "${guess}"?`} Types: ${TYPES.join(", ")}.`, { type: raw });
    }
    return { type, version: DEFAULT_VERSION[type] };
  }
  const object = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : undefined;
  const type = object?.type;
  if (type !== "jsonpath" && type !== "xpath") {
    throw criterionError(`A Criterion Expression Type Object needs type "jsonpath" or "xpath" and a version, e.g. { type: jsonpath, version: ${GOESSNER} }; found ${describeValue(raw)}.`, {});
  }
  const allowed: readonly string[] = VERSIONS[type];
  const version = object?.version;
  if (typeof version !== "string" || !allowed.includes(version)) {
    const guess = typeof version === "string" ? closest(version.toLowerCase(), allowed) : undefined;
    const hint = guess === undefined ? "" : ` Did you mean "${guess}"?`;
    throw criterionError(`Unknown ${type} version ${describeValue(version)}.${hint} Versions: ${allowed.join(", ")}.`, { type, version });
  }
  return { type, version };
}

function contextExpression(context: unknown, type: CriterionType): RuntimeExpression {
  if (typeof context !== "string" || context === "") {
    const example = type === "regex" ? "$statusCode" : "$response.body";
    const message = `A ${type} criterion needs a context, the runtime expression its condition is applied to, e.g. "context: ${example}" (Arazzo 1.0.1 Criterion Object)`;
    throw criterionError(`${message}; found ${describeValue(context)}.`, { type });
  }
  try {
    return parseExpression(context);
  } catch (error) {
    if (!SluiceError.is(error)) throw error;
    throw criterionError(`The criterion's context ${quoteForMessage(context)} is not a runtime expression: ${error.message}`, { ...error.details, context });
  }
}

// regex

// JSONPath, RFC 9535. The AST mirrors jsonpath-rfc9535's parser output (its types are not exported).

type JpNode = { type: string; [key: string]: unknown };
interface JpQuery { type: "JsonPathQuery" | "RelQuery"; segments: JpSegment[] }
interface JpSegment { type: "ChildSegment" | "DescendantSegment" | "SingularQuerySegment"; node: JpNode }
type JpType = "ValueType" | "LogicalType" | "NodesType";

// RFC 9535 §2.4.4-2.4.8.
const FUNCTIONS: Record<string, { params: JpType[]; result: JpType }> = {
  length: { params: ["ValueType"], result: "ValueType" },
  count: { params: ["NodesType"], result: "ValueType" },
  match: { params: ["ValueType", "ValueType"], result: "LogicalType" },
  search: { params: ["ValueType", "ValueType"], result: "LogicalType" },
  value: { params: ["NodesType"], result: "ValueType" },
};
const ARGUMENT: Record<JpType, string> = {
  ValueType: "a single value (a literal, a singular query such as @.name or @[0], or a function returning a value)",
  LogicalType: "a test",
  NodesType: "a query (such as @.items)",
};
const LOGICAL = new Set(["LogicalOrExpr", "LogicalAndExpr", "LogicalNotExpr", "TestExpr", "ComparisonExpr"]);
const WILDCARD_SEGMENT: JpSegment = { type: "ChildSegment", node: { type: "WildcardSelector" } };
const FIRST_SEGMENT: JpSegment = { type: "ChildSegment", node: { type: "BracketedSelection", selectors: [{ type: "IndexSelector", value: 0 }] } };
const FIRST_SINGULAR: JpSegment = { type: "SingularQuerySegment", node: { type: "IndexSelector", value: 0 } };

function compileRfc9535(condition: string): (value: unknown) => boolean {
  let ast: JpQuery;
  try {
    ast = parseRfc9535(condition) as unknown as JpQuery;
  } catch (error) {
    // `$.running == true` means `$[?@.running == true]` (validation warns; see jsonpath-comparison.ts).
    const rewrite = jsonPathComparisonRewrite(condition);
    if (rewrite !== undefined) return compileRfc9535(rewrite);
    const location = (error as { location?: { start?: { offset?: unknown } } }).location;
    const offset = typeof location?.start?.offset === "number" ? location.start.offset : 0;
    throw criterionError(
      `Malformed JSONPath condition ${quoteForMessage(condition)} at offset ${offset}: ${errorText(error)} (RFC 9535; for Goessner JSONPath set type: { type: jsonpath, version: ${GOESSNER} }).`,
      { condition, offset },
    );
  }
  const grouped = parenthesizeAndChains(condition);
  if (grouped !== condition) ast = parseRfc9535(grouped) as unknown as JpQuery;
  new TypeChecker(condition).segments(ast.segments);
  // The library parses text only, so what runs is the rewritten AST printed back (fully grouped).
  const plain = serializeQuery(rewriteQuery(ast, false));
  const wrapped = startsWithFilter(ast) ? serializeQuery(rewriteQuery(ast, true)) : undefined;
  return (value) => {
    const wrap = wrapped !== undefined && !Array.isArray(value);
    return attempt(() => queryRfc9535((wrap ? [value] : value) as JsonValue, wrap ? wrapped : plain).length > 0) ?? false;
  };
}

/**
 * jsonpath-rfc9535 1.3.0 parses `a && b && c` as `a && (b || c)`, so chains of three or more `&&`
 * operands are grouped first: `((a && b) && c)`. Scans only what the grammar needs (strings,
 * brackets, filters, parentheses, commas); `text` has already parsed, so it is well formed.
 */
function parenthesizeAndChains(text: string): string {
  interface Group { filter: boolean; ands: number[]; chainStart: number }
  const inserts: { at: number; text: string }[] = [];
  const stack: (Group | "bracket")[] = [];
  const endChain = (group: Group): void => {
    if (group.ands.length >= 2) {
      inserts.push({ at: group.chainStart, text: "(".repeat(group.ands.length - 1) });
      for (const at of group.ands.slice(1)) inserts.push({ at, text: ")" });
    }
    group.ands = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const top = stack[stack.length - 1];
    const group = typeof top === "object" ? top : undefined;
    if (ch === "'" || ch === '"') {
      for (i++; i < text.length && text[i] !== ch; i++) if (text[i] === "\\") i++;
    } else if (ch === "[") {
      stack.push("bracket");
    } else if (ch === "?" && top === "bracket") {
      stack.push({ filter: true, ands: [], chainStart: i + 1 });
    } else if (ch === "(") {
      stack.push({ filter: false, ands: [], chainStart: i + 1 });
    } else if (ch === ")" || ch === "]" || ch === ",") {
      if (group !== undefined && (ch !== ")" || !group.filter) && (ch !== "]" || group.filter)) {
        endChain(group);
        if (ch === "," && !group.filter) group.chainStart = i + 1;
        else stack.pop();
      }
      if (ch === "]" && stack[stack.length - 1] === "bracket") stack.pop();
    } else if (group !== undefined && (ch === "&" || ch === "|") && text[i + 1] === ch) {
      if (ch === "&") group.ands.push(i);
      else {
        endChain(group);
        group.chainStart = i + 2;
      }
      i++;
    }
  }
  if (inserts.length === 0) return text;
  inserts.sort((a, b) => a.at - b.at);
  let out = "";
  let last = 0;
  for (const insert of inserts) {
    out += text.slice(last, insert.at) + insert.text;
    last = insert.at;
  }
  return out + text.slice(last);
}

function startsWithFilter(ast: JpQuery): boolean {
  const first = ast.segments[0];
  if (first?.type !== "ChildSegment" || first.node.type !== "BracketedSelection") return false;
  return (first.node.selectors as JpNode[]).every((selector) => selector.type === "FilterSelector");
}

function isSingular(query: JpNode): boolean {
  return (query.segments as JpSegment[]).every(({ type, node }) => {
    if (type === "SingularQuerySegment" || (type === "ChildSegment" && node.type === "MemberNameShorthand")) return true;
    if (type !== "ChildSegment" || node.type !== "BracketedSelection") return false;
    const selectors = node.selectors as JpNode[];
    return selectors.length === 1 && (selectors[0]!.type === "NameSelector" || selectors[0]!.type === "IndexSelector");
  });
}

/** RFC 9535 §2.4.3 well-typedness, which the library leaves to evaluation (where it just fails). */
class TypeChecker {
  constructor(private readonly condition: string) {}

  segments(segments: readonly JpSegment[]): void {
    for (const segment of segments) {
      if (segment.node.type !== "BracketedSelection") continue;
      for (const selector of segment.node.selectors as JpNode[]) if (selector.type === "FilterSelector") this.logical(selector.value as JpNode);
    }
  }

  private logical(node: JpNode): void {
    switch (node.type) {
      case "LogicalOrExpr":
      case "LogicalAndExpr":
        this.logical(node.left as JpNode);
        this.logical(node.right as JpNode);
        return;
      case "LogicalNotExpr":
        this.logical(node.expression as JpNode);
        return;
      case "TestExpr": {
        const inner = node.expression as JpNode;
        if (inner.type === "FilterQuery") return this.segments(((inner.value as JpQuery).segments));
        if (this.call(inner) === "ValueType") this.fail(`${inner.name}() returns a value, not a test; compare it, e.g. ${inner.name}(...) > 0`);
        return;
      }
      case "ComparisonExpr":
        for (const side of [node.left, node.right] as JpNode[]) {
          if (side.type === "FunctionExpr" && this.call(side) !== "ValueType") this.fail(`${side.name}() is a test, not a value, so it cannot be compared; use it alone, e.g. ?${side.name}(...)`);
        }
        return;
    }
  }

  /** Checks a function call and returns its result type. */
  private call(node: JpNode): JpType {
    const name = node.name as string;
    const fn = Object.prototype.hasOwnProperty.call(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (fn === undefined) {
      const guess = closest(name, Object.keys(FUNCTIONS));
      this.fail(`unknown function ${name}()${guess === undefined ? "" : ` (did you mean ${guess}()?)`}; RFC 9535 defines ${Object.keys(FUNCTIONS).map((f) => `${f}()`).join(", ")}`);
    }
    const args = node.arguments as JpNode[];
    if (args.length !== fn.params.length) this.fail(`${name}() takes ${fn.params.length} argument${fn.params.length === 1 ? "" : "s"}, not ${args.length}`);
    args.forEach((arg, index) => this.argument(name, index, fn.params[index]!, arg));
    if ((name === "match" || name === "search") && args[1]?.type === "Literal" && typeof args[1].value === "string") {
      try {
        new RegExp(args[1].value, "u");
      } catch (error) {
        this.fail(`the pattern of ${name}() is not a valid regular expression: ${errorText(error)}`);
      }
    }
    return fn.result;
  }

  private argument(name: string, index: number, param: JpType, arg: JpNode): void {
    let kind: JpType = "LogicalType";
    if (arg.type === "FilterQuery") {
      this.segments((arg.value as JpQuery).segments);
      kind = param === "ValueType" && isSingular(arg.value as JpNode) ? "ValueType" : "NodesType";
    } else if (arg.type === "FunctionExpr") kind = this.call(arg);
    else if (arg.type === "Literal") kind = "ValueType";
    else if (LOGICAL.has(arg.type)) this.logical(arg);
    // Nodes convert to a test (non-empty); nothing else converts (§2.4.2).
    if (kind !== param && !(param === "LogicalType" && kind === "NodesType")) this.fail(`argument ${index + 1} of ${name}() must be ${ARGUMENT[param]}, not ${ARGUMENT[kind].split(" (")[0]}`);
  }

  private fail(message: string): never {
    throw criterionError(`JSONPath condition ${quoteForMessage(this.condition)} is not well-typed (RFC 9535 §2.4.3): ${message}.`, { condition: this.condition });
  }
}

/**
 * The query to run: count() of a singular query counts its value's children; `wrapped` also makes
 * absolute queries inside filters start at the wrapped context (`$` → `$[0]`).
 */
function rewriteQuery(ast: JpQuery, wrapped: boolean): JpQuery {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (typeof node !== "object" || node === null) return node;
    const original = node as JpNode;
    const out: JpNode = { type: original.type };
    for (const [key, value] of Object.entries(original)) out[key] = rewrite(value);
    if (original.type === "FunctionExpr" && original.name === "count") {
      const arg = (original.arguments as JpNode[])[0];
      const query = arg?.type === "FilterQuery" ? (arg.value as JpNode) : undefined;
      if (query !== undefined && (query.segments as unknown[]).length > 0 && isSingular(query)) {
        const newArg = (out.arguments as JpNode[])[0]!;
        const newQuery = newArg.value as JpQuery;
        out.arguments = [{ ...newArg, value: { ...newQuery, segments: [...newQuery.segments, WILDCARD_SEGMENT] } }];
      }
    }
    if (wrapped && original.type === "FilterQuery" && (original.value as JpNode).type === "JsonPathQuery") {
      const query = out.value as JpQuery;
      out.value = { ...query, segments: [FIRST_SEGMENT, ...query.segments] };
    }
    if (original.type === "RelSingularQuery" || original.type === "AbsSingularQuery") {
      const segments = wrapped && original.type === "AbsSingularQuery" ? [FIRST_SINGULAR, ...(out.segments as JpSegment[])] : (out.segments as JpSegment[]);
      // jsonpath-rfc9535 1.3.0 loses the index of `[0]` in a compared singular query (`@.a[0] == 1`
      // never holds); value() of the same query is equivalent (RFC 9535 §2.4.8) and evaluates it.
      if (segments.some((segment) => segment.node.type === "IndexSelector")) {
        const type = original.type === "RelSingularQuery" ? "RelQuery" : "JsonPathQuery";
        return { type: "FunctionExpr", name: "value", arguments: [{ type: "FilterQuery", value: { type, segments: segments.map(childSegment) } }] };
      }
      out.segments = segments;
    }
    return out;
  };
  return { type: "JsonPathQuery", segments: ast.segments.map((segment) => rewrite(segment) as JpSegment) };
}

function childSegment(segment: JpSegment): JpSegment {
  if (segment.node.type !== "IndexSelector") return { type: "ChildSegment", node: segment.node };
  return { type: "ChildSegment", node: { type: "BracketedSelection", selectors: [{ type: "IndexSelector", value: indexValue(segment.node) }] } };
}

/** A singular query's index selector comes nested ({ selector: { value } }) from the parser. */
function indexValue(node: JpNode): unknown {
  return typeof node.value === "number" ? node.value : (node.selector as JpNode | undefined)?.value;
}

/** RFC 9535 text for an AST, in bracket notation (names quoted), so it reparses to the same AST. */
function serializeQuery(query: { type: string; segments: readonly JpSegment[] }): string {
  const root = query.type === "RelQuery" || query.type === "RelSingularQuery" ? "@" : "$";
  return root + query.segments.map(segmentText).join("");
}

function segmentText(segment: JpSegment): string {
  const node = segment.node;
  const inner = node.type === "BracketedSelection" ? (node.selectors as JpNode[]).map(selectorText).join(",") : selectorText(node);
  return `${segment.type === "DescendantSegment" ? ".." : ""}[${inner}]`;
}

function selectorText(node: JpNode): string {
  switch (node.type) {
    case "NameSelector":
    case "MemberNameShorthand":
      return JSON.stringify(node.value);
    case "WildcardSelector":
      return "*";
    case "IndexSelector":
      return String(indexValue(node));
    case "SliceSelector":
      return `${node.start ?? ""}:${node.end ?? ""}${node.step === null ? "" : `:${node.step}`}`;
    case "FilterSelector":
      return `?${expressionText(node.value as JpNode)}`;
    default:
      throw new SluiceError("internal", `Unexpected JSONPath selector ${node.type}`);
  }
}

function expressionText(node: JpNode): string {
  switch (node.type) {
    case "LogicalOrExpr":
    case "LogicalAndExpr":
      return `(${expressionText(node.left as JpNode)} ${node.type === "LogicalOrExpr" ? "||" : "&&"} ${expressionText(node.right as JpNode)})`;
    case "LogicalNotExpr":
      return `!(${expressionText(node.expression as JpNode)})`;
    case "TestExpr":
      return expressionText(node.expression as JpNode);
    case "ComparisonExpr":
      return `${expressionText(node.left as JpNode)} ${node.op as string} ${expressionText(node.right as JpNode)}`;
    case "FilterQuery":
      return serializeQuery(node.value as JpQuery);
    case "RelSingularQuery":
    case "AbsSingularQuery":
      return serializeQuery(node as unknown as JpQuery);
    case "FunctionExpr":
      return `${node.name as string}(${(node.arguments as JpNode[]).map(expressionText).join(", ")})`;
    case "Literal":
      return node.value === null ? "null" : typeof node.value === "string" ? JSON.stringify(node.value) : String(node.value);
    default:
      throw new SluiceError("internal", `Unexpected JSONPath expression ${node.type}`);
  }
}

// JSONPath, the Goessner draft (jsonpath-plus, safe evaluator)

type ScriptClass = new (code: string) => unknown;
const SafeScript = (JSONPath as unknown as { prototype?: { safeVm?: { Script?: ScriptClass } } }).prototype?.safeVm?.Script;

function compileGoessner(condition: string): (value: unknown) => boolean {
  const fail = (message: string, offset: number): never => {
    throw criterionError(`Malformed Goessner JSONPath condition ${quoteForMessage(condition)}: ${message}.`, { condition, offset });
  };
  const start = condition.search(/\S/);
  if (condition[start] !== "$") fail(`a path starts with "$" (found ${JSON.stringify(condition[start])} at offset ${start}), e.g. $.pets[0] or $[?(@.status == 'ok')]`, start);
  checkBalanced(condition, fail);
  let parts: string[];
  try {
    parts = JSONPath.toPathArray(condition);
  } catch (error) {
    return fail(errorText(error), 0);
  }
  for (const part of parts) {
    if (!part.startsWith("?(") && !part.startsWith("(")) continue;
    const code = part.startsWith("?(") ? part.replace(/^\?\((.*?)\)$/u, "$1") : part;
    if (SafeScript === undefined || code.includes("?(")) continue; // nested filters: jsonpath-plus runs them itself
    // The names jsonpath-plus gives @-variables before it compiles a script.
    const script = code.replace(/@(parentProperty|parent|property|root|path)|@(?=[.\s)[])/gu, (_, name?: string) => `_$_${name ?? "v"}`);
    try {
      new SafeScript(script);
    } catch (error) {
      fail(`the script ${JSON.stringify(part)} does not parse: ${errorText(error)}`, condition.indexOf(part));
    }
  }
  const wrapFirst = parts[1]?.startsWith("?(") === true;
  return (value) => {
    const json = wrapFirst && !Array.isArray(value) ? [value] : value;
    const result: unknown = attempt(() => JSONPath({ path: condition, json: json as object, eval: "safe", wrap: true, ignoreEvalErrors: true }));
    return Array.isArray(result) && result.length > 0;
  };
}

/** Brackets, parentheses and quotes must pair up: jsonpath-plus silently drops what does not. */
function checkBalanced(text: string, fail: (message: string, offset: number) => never): void {
  const open: { ch: string; at: number }[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== ch; i++) if (text[i] === "\\") i++;
      if (i >= text.length) fail(`the string opened at offset ${start} is not closed`, start);
    } else if (ch === "[" || ch === "(") {
      open.push({ ch, at: i });
    } else if (ch === "]" || ch === ")") {
      const last = open.pop();
      if (last === undefined) fail(`${JSON.stringify(ch)} at offset ${i} closes nothing`, i);
      if ((last!.ch === "[") !== (ch === "]")) fail(`${JSON.stringify(ch)} at offset ${i} cannot close the ${JSON.stringify(last!.ch)} at offset ${last!.at}`, i);
    }
  }
  const unclosed = open.pop();
  if (unclosed !== undefined) fail(`${JSON.stringify(unclosed.ch)} at offset ${unclosed.at} is not closed`, unclosed.at);
}

// XPath 1.0. Loaded through require so its typings (which pull the DOM lib into every file) stay out.

interface XPathModule {
  parse(expression: string): { expression: unknown; evaluate(options: { node: unknown }): { booleanValue(): boolean } };
  FunctionCall: abstract new (...args: never[]) => { functionName: string };
  VariableReference: abstract new (...args: never[]) => { variable: string };
}
const xpath = createRequire(import.meta.url)("xpath") as XPathModule;
const XPATH_FUNCTIONS = new Set(
  "last position count id local-name namespace-uri name string concat starts-with contains substring-before substring-after substring string-length normalize-space translate boolean not true false lang number sum floor ceiling round".split(" "),
);

function compileXPath(condition: string, version: string): (value: unknown) => boolean {
  const fail = (message: string): never => {
    const note = version === "xpath-10" ? "" : ` sluice evaluates ${version} as XPath 1.0, so only its XPath 1.0 subset works.`;
    throw criterionError(`XPath condition ${quoteForMessage(condition)} ${message}.${note}`, { condition, version });
  };
  let evaluator: ReturnType<XPathModule["parse"]>;
  try {
    evaluator = xpath.parse(condition);
  } catch (error) {
    return fail(`does not parse (${errorText(error)}); write e.g. count(/order/items/*) > 0 or /order/status = 'placed'`);
  }
  const seen = new Set<object>();
  const visit = (node: unknown): void => {
    if (typeof node !== "object" || node === null || seen.has(node)) return;
    seen.add(node);
    if (node instanceof xpath.FunctionCall && !XPATH_FUNCTIONS.has(node.functionName)) {
      const guess = closest(node.functionName, [...XPATH_FUNCTIONS]);
      fail(`calls ${node.functionName}(), which is not an XPath 1.0 function${guess === undefined ? "" : ` (did you mean ${guess}()?)`}`);
    }
    if (node instanceof xpath.VariableReference) fail(`uses the variable $${node.variable}, but criteria define no variables`);
    for (const value of Object.values(node)) visit(value);
  };
  visit(evaluator.expression);
  return (value) => {
    const document = xmlDocument(value);
    return document !== undefined && (attempt(() => evaluator.evaluate({ node: document }).booleanValue()) ?? false);
  };
}

const XML_PARSER = new DOMParser({
  locator: false,
  onError: (level, message) => {
    // Warnings are malformed markup too, except a U+FFFD in the text, which is only a character.
    if (level === "warning" && message.startsWith("Unicode replacement")) return;
    throw new Error(message);
  },
});
// Several criteria (and each poll) usually read the same body: keep the last parse.
let lastXml: { text: string; document: Document | undefined } | undefined;

function xmlDocument(value: unknown): Document | undefined {
  const text = typeof value === "string" ? value : value instanceof Uint8Array ? new TextDecoder().decode(value) : undefined;
  if (text === undefined) return undefined;
  if (lastXml?.text !== text) lastXml = { text, document: attempt(() => XML_PARSER.parseFromString(text, "text/xml")) };
  return lastXml.document;
}

function criterionError(message: string, details: Record<string, unknown>): SluiceError {
  return new SluiceError("invalid-expression", message, { details });
}

/** What `run` returns, or undefined when it throws: evaluation errors make a criterion false. */
function attempt<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return quoteForMessage(value);
  return Array.isArray(value) ? "an array" : value === null ? "null" : typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
