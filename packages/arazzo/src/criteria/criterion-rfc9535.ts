/**
 * jsonpath criteria, RFC 9535 (jsonpath-rfc9535): compiled with the context rules and the count() reading
 * described in criteria.ts, and RFC 9535 well-typedness checked at compile time.
 */
import { query as queryRfc9535, type JsonValue } from "jsonpath-rfc9535";
import parseRfc9535 from "jsonpath-rfc9535/parser";
import { closest, SluiceError } from "sluice/internal";
import { attempt, criterionError, errorText, GOESSNER } from "./criteria-support.js";
import { jsonPathComparisonRewrite } from "./jsonpath-comparison.js";
import { quoteForMessage } from "../expressions/expression.js";

// JSONPath, RFC 9535. The AST mirrors jsonpath-rfc9535's parser output (its types are not exported).

type JpNode = { type: string; [key: string]: unknown };
interface JpQuery {
  type: "JsonPathQuery" | "RelQuery";
  segments: JpSegment[];
}
interface JpSegment {
  type: "ChildSegment" | "DescendantSegment" | "SingularQuerySegment";
  node: JpNode;
}
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
  ValueType:
    "a single value (a literal, a singular query such as @.name or @[0], or a function returning a value)",
  LogicalType: "a test",
  NodesType: "a query (such as @.items)",
};
const LOGICAL = new Set([
  "LogicalOrExpr",
  "LogicalAndExpr",
  "LogicalNotExpr",
  "TestExpr",
  "ComparisonExpr",
]);
const WILDCARD_SEGMENT: JpSegment = { type: "ChildSegment", node: { type: "WildcardSelector" } };
const FIRST_SEGMENT: JpSegment = {
  type: "ChildSegment",
  node: { type: "BracketedSelection", selectors: [{ type: "IndexSelector", value: 0 }] },
};
const FIRST_SINGULAR: JpSegment = {
  type: "SingularQuerySegment",
  node: { type: "IndexSelector", value: 0 },
};

export function compileRfc9535(condition: string): (value: unknown) => boolean {
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
    return (
      attempt(
        () =>
          queryRfc9535((wrap ? [value] : value) as JsonValue, wrap ? wrapped : plain).length > 0,
      ) ?? false
    );
  };
}

/**
 * jsonpath-rfc9535 1.3.0 parses `a && b && c` as `a && (b || c)`, so chains of three or more `&&`
 * operands are grouped first: `((a && b) && c)`. Scans only what the grammar needs (strings,
 * brackets, filters, parentheses, commas); `text` has already parsed, so it is well formed.
 */
function parenthesizeAndChains(text: string): string {
  interface Group {
    filter: boolean;
    ands: number[];
    chainStart: number;
  }
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
    if (
      type === "SingularQuerySegment" ||
      (type === "ChildSegment" && node.type === "MemberNameShorthand")
    )
      return true;
    if (type !== "ChildSegment" || node.type !== "BracketedSelection") return false;
    const selectors = node.selectors as JpNode[];
    return (
      selectors.length === 1 &&
      (selectors[0]!.type === "NameSelector" || selectors[0]!.type === "IndexSelector")
    );
  });
}

/** RFC 9535 §2.4.3 well-typedness, which the library leaves to evaluation (where it just fails). */
class TypeChecker {
  constructor(private readonly condition: string) {}

  segments(segments: readonly JpSegment[]): void {
    for (const segment of segments) {
      if (segment.node.type !== "BracketedSelection") continue;
      for (const selector of segment.node.selectors as JpNode[])
        if (selector.type === "FilterSelector") this.logical(selector.value as JpNode);
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
        if (inner.type === "FilterQuery") return this.segments((inner.value as JpQuery).segments);
        if (this.call(inner) === "ValueType")
          this.fail(
            `${inner.name}() returns a value, not a test; compare it, e.g. ${inner.name}(...) > 0`,
          );
        return;
      }
      case "ComparisonExpr":
        for (const side of [node.left, node.right] as JpNode[]) {
          if (side.type === "FunctionExpr" && this.call(side) !== "ValueType")
            this.fail(
              `${side.name}() is a test, not a value, so it cannot be compared; use it alone, e.g. ?${side.name}(...)`,
            );
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
      this.fail(
        `unknown function ${name}()${guess === undefined ? "" : ` (did you mean ${guess}()?)`}; RFC 9535 defines ${Object.keys(
          FUNCTIONS,
        )
          .map((f) => `${f}()`)
          .join(", ")}`,
      );
    }
    const args = node.arguments as JpNode[];
    if (args.length !== fn.params.length)
      this.fail(
        `${name}() takes ${fn.params.length} argument${fn.params.length === 1 ? "" : "s"}, not ${args.length}`,
      );
    args.forEach((arg, index) => this.argument(name, index, fn.params[index]!, arg));
    if (
      (name === "match" || name === "search") &&
      args[1]?.type === "Literal" &&
      typeof args[1].value === "string"
    ) {
      try {
        new RegExp(args[1].value, "u");
      } catch (error) {
        this.fail(
          `the pattern of ${name}() is not a valid regular expression: ${errorText(error)}`,
        );
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
    if (kind !== param && !(param === "LogicalType" && kind === "NodesType"))
      this.fail(
        `argument ${index + 1} of ${name}() must be ${ARGUMENT[param]}, not ${ARGUMENT[kind].split(" (")[0]}`,
      );
  }

  private fail(message: string): never {
    throw criterionError(
      `JSONPath condition ${quoteForMessage(this.condition)} is not well-typed (RFC 9535 §2.4.3): ${message}.`,
      { condition: this.condition },
    );
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
        out.arguments = [
          { ...newArg, value: { ...newQuery, segments: [...newQuery.segments, WILDCARD_SEGMENT] } },
        ];
      }
    }
    if (
      wrapped &&
      original.type === "FilterQuery" &&
      (original.value as JpNode).type === "JsonPathQuery"
    ) {
      const query = out.value as JpQuery;
      out.value = { ...query, segments: [FIRST_SEGMENT, ...query.segments] };
    }
    if (original.type === "RelSingularQuery" || original.type === "AbsSingularQuery") {
      const segments =
        wrapped && original.type === "AbsSingularQuery"
          ? [FIRST_SINGULAR, ...(out.segments as JpSegment[])]
          : (out.segments as JpSegment[]);
      // jsonpath-rfc9535 1.3.0 loses the index of `[0]` in a compared singular query (`@.a[0] == 1`
      // never holds); value() of the same query is equivalent (RFC 9535 §2.4.8) and evaluates it.
      if (segments.some((segment) => segment.node.type === "IndexSelector")) {
        const type = original.type === "RelSingularQuery" ? "RelQuery" : "JsonPathQuery";
        return {
          type: "FunctionExpr",
          name: "value",
          arguments: [
            { type: "FilterQuery", value: { type, segments: segments.map(childSegment) } },
          ],
        };
      }
      out.segments = segments;
    }
    return out;
  };
  return {
    type: "JsonPathQuery",
    segments: ast.segments.map((segment) => rewrite(segment) as JpSegment),
  };
}

function childSegment(segment: JpSegment): JpSegment {
  if (segment.node.type !== "IndexSelector") return { type: "ChildSegment", node: segment.node };
  return {
    type: "ChildSegment",
    node: {
      type: "BracketedSelection",
      selectors: [{ type: "IndexSelector", value: indexValue(segment.node) }],
    },
  };
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
  const inner =
    node.type === "BracketedSelection"
      ? (node.selectors as JpNode[]).map(selectorText).join(",")
      : selectorText(node);
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
      return node.value === null
        ? "null"
        : typeof node.value === "string"
          ? JSON.stringify(node.value)
          : String(node.value);
    default:
      throw new SluiceError("internal", `Unexpected JSONPath expression ${node.type}`);
  }
}
