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
 * One module per criterion type: regex-criterion.ts, criterion-rfc9535.ts, criterion-goessner.ts,
 * criterion-xpath.ts (condition.ts for simple); this one checks the Criterion Object and dispatches.
 * - At run time nothing throws (Arazzo 1.1.0 "Evaluation Errors"): a null or missing context, a
 *   malformed XML body, or a library error make the criterion false; a throwing resolver
 *   propagates. Versions `rfc9535` and `xpath-31` (Arazzo 1.1.0's names for the defaults) are
 *   accepted too. Regexes run on the main thread: a catastrophic pattern can be slow.
 */
import { compileGoessner } from "./criterion-goessner.js";
import { compileRfc9535 } from "./criterion-rfc9535.js";
import { compileXPath } from "./criterion-xpath.js";
import { criterionError, describeValue, GOESSNER } from "./criteria-support.js";
import { compileRegex } from "./regex-criterion.js";
import { closest, SluiceError } from "sluice/internal";
import {
  compileCondition,
  conditionExpressions,
  evaluateCondition,
  type CompiledCondition,
  type ExpressionResolver,
} from "../expressions/condition.js";
import {
  expressionToString,
  parseExpression,
  quoteForMessage,
  type RuntimeExpression,
} from "../expressions/expression.js";

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
const VERSIONS = {
  jsonpath: ["rfc9535", GOESSNER],
  xpath: ["xpath-31", "xpath-30", "xpath-20", "xpath-10"],
} as const;
const DEFAULT_VERSION = {
  simple: "simple",
  regex: "ecma-262",
  jsonpath: "rfc9535",
  xpath: "xpath-31",
} as const;

/** Checks and compiles a Criterion Object; throws SluiceError("invalid-expression"). */
export function compileCriterion(criterion: CriterionInput): CompiledCriterion {
  const source: unknown = criterion.condition;
  if (typeof source !== "string" || source.trim() === "") {
    throw criterionError(
      `A criterion's condition must be a non-empty string, such as "$statusCode == 200"; found ${describeValue(source)}.`,
      {},
    );
  }
  const { type, version } = criterionType(criterion.type);
  if (type === "simple") {
    if (criterion.context !== undefined) contextExpression(criterion.context, type);
    const condition = compileCondition(source);
    return Object.freeze({ type, source, condition, expressions: conditionExpressions(condition) });
  }
  const context = contextExpression(criterion.context, type);
  const matches =
    type === "regex"
      ? compileRegex(source)
      : type === "xpath"
        ? compileXPath(source, version)
        : version === GOESSNER
          ? compileGoessner(source)
          : compileRfc9535(source);
  return Object.freeze({
    type,
    version,
    source,
    context,
    expressions: Object.freeze([context]),
    matches,
  });
}

/** Whether the criterion holds. Only a throwing resolver makes this throw. */
export function evaluateCriterion(
  compiled: CompiledCriterion,
  resolve: ExpressionResolver,
): boolean {
  if (compiled.type === "simple") return evaluateCondition(compiled.condition, resolve);
  const result = resolve(compiled.context);
  if (!result.found || result.value === undefined || result.value === null) return false;
  return compiled.matches(result.value);
}

/** One line for logs: the condition, its type and what it applies to. */
export function describeCriterion(compiled: CompiledCriterion): string {
  if (compiled.type === "simple") return compiled.source;
  const dialect =
    compiled.version === GOESSNER
      ? ` (${GOESSNER})`
      : compiled.type === "xpath"
        ? ` (${compiled.version}, evaluated as XPath 1.0)`
        : "";
  return `${compiled.type}${dialect} ${quoteForMessage(compiled.source)} on ${expressionToString(compiled.context)}`;
}

function criterionType(raw: CriterionInput["type"] | unknown): {
  type: CriterionType;
  version: string;
} {
  if (raw === undefined) return { type: "simple", version: "simple" };
  if (typeof raw === "string") {
    const type = TYPES.find((t) => t === raw);
    if (type === undefined) {
      const guess = closest(raw.toLowerCase(), TYPES);
      throw criterionError(
        `Unknown criterion type ${JSON.stringify(raw)}.${guess === undefined ? "" : ` Did you mean "${guess}"?`} Types: ${TYPES.join(", ")}.`,
        { type: raw },
      );
    }
    return { type, version: DEFAULT_VERSION[type] };
  }
  const object =
    typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : undefined;
  const type = object?.type;
  if (type !== "jsonpath" && type !== "xpath") {
    throw criterionError(
      `A Criterion Expression Type Object needs type "jsonpath" or "xpath" and a version, e.g. { type: jsonpath, version: ${GOESSNER} }; found ${describeValue(raw)}.`,
      {},
    );
  }
  const allowed: readonly string[] = VERSIONS[type];
  const version = object?.version;
  if (typeof version !== "string" || !allowed.includes(version)) {
    const guess = typeof version === "string" ? closest(version.toLowerCase(), allowed) : undefined;
    const hint = guess === undefined ? "" : ` Did you mean "${guess}"?`;
    throw criterionError(
      `Unknown ${type} version ${describeValue(version)}.${hint} Versions: ${allowed.join(", ")}.`,
      { type, version },
    );
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
    throw criterionError(
      `The criterion's context ${quoteForMessage(context)} is not a runtime expression: ${error.message}`,
      { ...error.details, context },
    );
  }
}
