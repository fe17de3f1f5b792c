/**
 * The "simple" Criterion condition language (1.0.1 "Criterion Object": Literals, Operators), parsed
 * once by a recursive-descent parser (no eval) and evaluated many times (poll loops).
 *
 * Syntax. Precedence, tightest first: `!`, comparisons (`== != < <= > >=`, not chainable:
 * `a == b == c` is an error), `&&`, `||`; `( )` groups. `{ }` also groups when it opens with `$`,
 * because 1.0.1's Components example writes `"{$statusCode == 401}"`. Literals: `true`, `false`,
 * `null`, numbers (`200`, `-1.5`, `.5`, `2e3`), single-quoted strings with `''` for a quote.
 * Operands may be runtime expressions; an expression ends at whitespace or an operator character
 * (so header names in conditions cannot contain `! & |`). Right after an expression, `[0]`,
 * `['key']` and `.key` dereference its value (the Operators table's "Index" and "Property
 * de-reference"; 1.1.0 shows `$response.body.count > $inputs.threshold`). Because input and output
 * names may contain dots, `$inputs.a.b` is the input "a.b"; `.key` only follows a value that
 * cannot continue with a dot (`$response.body.count`) or an index (`$inputs.list[0].id`).
 *
 * Semantics (the spec says "loose comparisons" and little else; 1.1.0's "Condition Evaluation"
 * spells out part of it, and we follow it):
 * - An expression that cannot be resolved (missing step output, pointer to nothing, index out of
 *   range) is "missing". Missing equals null and only null: `$response.body#/token == null` holds
 *   when the token is absent or JSON null. `!=` is always exactly the negation of `==`.
 * - Strings compare case-insensitively (1.0.1 "Operators": MUST), by lower-cased code units.
 * - `==`: a number equals a numeric string of the same value (`$response.header.X-Count == 3`);
 *   a boolean equals the string "true"/"false" (headers and query values are strings); two strings
 *   compare as strings; arrays and objects compare structurally with these same rules; numbers
 *   never equal booleans; null equals only null (and missing).
 * - `< <= > >=`: numbers and numeric strings compare numerically, even two numeric strings (1.1.0:
 *   numeric strings SHOULD be coerced for numeric operators); other strings compare as strings;
 *   anything else (null, missing, booleans, objects, a number against a non-numeric string) is
 *   false, for every ordering operator.
 * - `!`, `&&`, `||` and the result of the whole condition use truthiness: false, null, missing,
 *   0, NaN, "" and the string "false" (any case) are false; everything else is true. `&&` and `||`
 *   short-circuit and yield booleans.
 */
import { SluiceError } from "sluice/internal";
import {
  expressionToString,
  quoteForMessage,
  scanExpression,
  type RuntimeExpression,
} from "./expression.js";

export type ComparisonOperator = "==" | "!=" | "<" | "<=" | ">" | ">=";
export type Accessor = string | number;

export type ConditionNode =
  | { type: "literal"; value: string | number | boolean | null; offset: number }
  | {
      type: "expression";
      expression: RuntimeExpression;
      accessors: Accessor[];
      offset: number;
      end: number;
    }
  /** `count` `!`s in a row: odd negates, even converts to a boolean. */
  | { type: "not"; count: number; operand: ConditionNode }
  | { type: "compare"; operator: ComparisonOperator; left: ConditionNode; right: ConditionNode }
  | { type: "and" | "or"; operands: ConditionNode[] };

export interface CompiledCondition {
  readonly source: string;
  readonly root: ConditionNode;
  readonly expressions: readonly RuntimeExpression[];
}

/** Looks a runtime expression up at evaluation time. `found: false` makes it "missing". */
export type ExpressionResolver = (expression: RuntimeExpression) => {
  found: boolean;
  value?: unknown;
};

const MAX_NESTING = 200;
const MAX_COMPARE_DEPTH = 1000;
const NUMBER = /-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const NUMERIC_STRING = /^-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const KEY = /[A-Za-z0-9_-]+/y;

type Token =
  | { t: "op"; op: ComparisonOperator | "!" | "&&" | "||" | "(" | ")" | "{" | "}"; offset: number }
  | { t: "value"; node: ConditionNode; offset: number }
  | { t: "end"; offset: number };

// Compiled once per distinct text: validation and the run compile the same criteria, and most
// steps of a document share theirs ("$statusCode == 200"). Compiled conditions are never changed.
const COMPILED = new Map<string, CompiledCondition>();

/** Parses a simple condition; throws SluiceError("invalid-expression") with `details.offset`. */
export function compileCondition(text: string): CompiledCondition {
  let compiled = COMPILED.get(text);
  if (compiled === undefined) {
    compiled = compile(text);
    if (COMPILED.size >= 4096) COMPILED.clear();
    COMPILED.set(text, compiled);
  }
  return compiled;
}

function compile(text: string): CompiledCondition {
  const tokens = tokenize(text);
  const parser = new Parser(text, tokens);
  const root = parser.parse();
  const expressions: RuntimeExpression[] = [];
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.t !== "value" || token.node.type !== "expression") continue;
    const key = expressionToString(token.node.expression);
    if (seen.has(key)) continue;
    seen.add(key);
    expressions.push(token.node.expression);
  }
  return Object.freeze({ source: text, root, expressions: Object.freeze(expressions) });
}

/** The runtime expressions a condition reads, each once, in order of first use. */
export function conditionExpressions(compiled: CompiledCondition): readonly RuntimeExpression[] {
  return compiled.expressions;
}

/** Evaluates a compiled condition; never throws on odd data (a throwing resolver propagates). */
export function evaluateCondition(
  compiled: CompiledCondition,
  resolve: ExpressionResolver,
): boolean {
  return truthy(evaluate(compiled.root, resolve));
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string, offset: number): never => {
    throw conditionError(`${message} (in the condition ${quoteForMessage(text)})`, text, offset);
  };
  while (i < text.length) {
    const ch = text[i]!;
    const code = text.charCodeAt(i);
    if (code <= 0x20) {
      i++;
      continue;
    }
    const next = text[i + 1];
    switch (ch) {
      case "(":
      case ")":
      case "}":
        tokens.push({ t: "op", op: ch, offset: i++ });
        continue;
      case "{":
        if (next !== "$")
          fail(
            `"{" at offset ${i} must open an embedded expression such as {$statusCode}; use "(" to group`,
            i,
          );
        tokens.push({ t: "op", op: "{", offset: i++ });
        continue;
      case "=":
        if (next !== "=") fail(`Single "=" at offset ${i}; compare with "=="`, i);
        if (text[i + 2] === "=") fail(`"===" at offset ${i}; compare with "=="`, i);
        tokens.push({ t: "op", op: "==", offset: i });
        i += 2;
        continue;
      case "!":
        if (next === "=") {
          if (text[i + 2] === "=") fail(`"!==" at offset ${i}; write "!="`, i);
          tokens.push({ t: "op", op: "!=", offset: i });
          i += 2;
        } else tokens.push({ t: "op", op: "!", offset: i++ });
        continue;
      case "<":
      case ">": {
        if (next === "=") {
          tokens.push({ t: "op", op: ch === "<" ? "<=" : ">=", offset: i });
          i += 2;
        } else if (ch === "<" && next === ">") {
          fail(`"<>" at offset ${i}; write "!=" for not equal`, i);
        } else tokens.push({ t: "op", op: ch, offset: i++ });
        continue;
      }
      case "&":
      case "|":
        if (next !== ch) fail(`Single "${ch}" at offset ${i}; write "${ch}${ch}"`, i);
        tokens.push({ t: "op", op: ch === "&" ? "&&" : "||", offset: i });
        i += 2;
        continue;
      case "'": {
        const [value, end] = readString(text, i, fail);
        tokens.push({ t: "value", node: { type: "literal", value, offset: i }, offset: i });
        i = end;
        continue;
      }
      case '"':
        fail(
          `Double quote at offset ${i}; strings in conditions use single quotes, as in 'available'`,
          i,
        );
        break;
      case "$": {
        const start = i;
        const scanned = scanExpression(text, i, "condition");
        const [accessors, end] = readAccessors(text, scanned.end, fail);
        tokens.push({
          t: "value",
          node: {
            type: "expression",
            expression: scanned.expression,
            accessors,
            offset: start,
            end,
          },
          offset: start,
        });
        i = end;
        continue;
      }
      case "[":
      case "]":
        fail(
          `"${ch}" at offset ${i}: an index like [0] must directly follow a runtime expression`,
          i,
        );
        break;
    }
    if (ch === "-" || ch === "." || (code >= 0x30 && code <= 0x39)) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (match === null)
        fail(
          `${JSON.stringify(ch)} at offset ${i} does not start a number (write -1, 0.5, 2e3)`,
          i,
        );
      const end = i + match![0].length;
      if (end < text.length && /[A-Za-z0-9_.$]/.test(text[end]!))
        fail(`Malformed number at offset ${i}: ${JSON.stringify(text.slice(i, end + 1))}`, i);
      tokens.push({
        t: "value",
        node: { type: "literal", value: Number(match![0]), offset: i },
        offset: i,
      });
      i = end;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(text);
    if (word !== null) {
      const value = literalWord(word[0]);
      if (value === undefined) fail(wordMessage(word[0], i), i);
      tokens.push({ t: "value", node: { type: "literal", value: value!, offset: i }, offset: i });
      i += word[0].length;
      continue;
    }
    fail(
      `Unexpected ${JSON.stringify(String.fromCodePoint(text.codePointAt(i)!))} at offset ${i}`,
      i,
    );
  }
  tokens.push({ t: "end", offset: text.length });
  return tokens;
}

function readString(
  text: string,
  start: number,
  fail: (message: string, offset: number) => never,
): [string, number] {
  let out = "";
  let run = start + 1;
  for (;;) {
    const close = text.indexOf("'", run);
    if (close < 0)
      return fail(`String opened at offset ${start} is not closed; end it with '`, start);
    out += text.slice(run, close);
    if (text[close + 1] !== "'") return [out, close + 1];
    out += "'";
    run = close + 2;
  }
}

function readAccessors(
  text: string,
  start: number,
  fail: (message: string, offset: number) => never,
): [Accessor[], number] {
  const accessors: Accessor[] = [];
  let i = start;
  for (;;) {
    if (text[i] === "[") {
      const open = i;
      if (text[i + 1] === "'") {
        const [key, end] = readString(text, i + 1, fail);
        accessors.push(key);
        i = end;
      } else {
        let j = i + 1;
        while (j < text.length && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x39) j++;
        if (j === i + 1)
          fail(
            `Index at offset ${open} must be a whole number or a quoted key, as in [0] or ['id']`,
            i + 1,
          );
        accessors.push(Number(text.slice(i + 1, j)));
        i = j;
      }
      if (text[i] !== "]") fail(`Index opened at offset ${open} is not closed; end it with "]"`, i);
      i++;
    } else if (text[i] === ".") {
      KEY.lastIndex = i + 1;
      const key = KEY.exec(text);
      if (key === null) fail(`"." at offset ${i} must be followed by a property name`, i);
      accessors.push(key![0]);
      i += 1 + key![0].length;
    } else {
      return [accessors, i];
    }
  }
}

function literalWord(word: string): boolean | null | undefined {
  if (word === "true") return true;
  if (word === "false") return false;
  if (word === "null") return null;
  return undefined;
}

function wordMessage(word: string, offset: number): string {
  const lower = word.toLowerCase();
  if (lower === "true" || lower === "false" || lower === "null")
    return `"${word}" at offset ${offset}: literals are lower case, write ${lower}`;
  const operator = { and: "&&", or: "||", not: "!", eq: "==", ne: "!=" }[lower];
  if (operator !== undefined)
    return `"${word}" at offset ${offset} is not an operator here; write ${operator}`;
  return `Unknown word "${word}" at offset ${offset}; write strings in single quotes ('${word}') and runtime expressions with "$" ($inputs.${word})`;
}

// ---------------------------------------------------------------------------------------------
// Parser

const COMPARISONS = new Set<string>(["==", "!=", "<", "<=", ">", ">="]);
const CLOSER = { "(": ")", "{": "}" } as const;

class Parser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): ConditionNode {
    if (this.tokens.length === 1)
      this.fail(`The condition is empty; write one such as $statusCode == 200`, 0);
    const root = this.or();
    const token = this.peek();
    if (token.t !== "end") {
      if (token.t === "op" && (token.op === ")" || token.op === "}"))
        this.fail(
          `Unexpected "${token.op}" at offset ${token.offset} with nothing to close`,
          token.offset,
        );
      this.fail(
        `Expected an operator (==, &&, || ...) at offset ${token.offset}, found ${this.describe(token)}`,
        token.offset,
      );
    }
    return root;
  }

  private or(): ConditionNode {
    const first = this.and();
    if (!this.isOp("||")) return first;
    const operands = [first];
    while (this.isOp("||")) {
      this.index++;
      operands.push(this.and());
    }
    return { type: "or", operands };
  }

  private and(): ConditionNode {
    const first = this.comparison();
    if (!this.isOp("&&")) return first;
    const operands = [first];
    while (this.isOp("&&")) {
      this.index++;
      operands.push(this.comparison());
    }
    return { type: "and", operands };
  }

  private comparison(): ConditionNode {
    const left = this.unary();
    const token = this.peek();
    if (token.t !== "op" || !COMPARISONS.has(token.op)) return left;
    this.index++;
    const right = this.unary();
    const after = this.peek();
    if (after.t === "op" && COMPARISONS.has(after.op)) {
      this.fail(
        `Comparisons do not chain: "${after.op}" at offset ${after.offset} follows another comparison; join them with && or group with ( )`,
        after.offset,
      );
    }
    return { type: "compare", operator: token.op as ComparisonOperator, left, right };
  }

  private unary(): ConditionNode {
    let count = 0;
    while (this.isOp("!")) {
      count++;
      this.index++;
    }
    const operand = this.primary();
    return count === 0 ? operand : { type: "not", count, operand };
  }

  private primary(): ConditionNode {
    const token = this.peek();
    if (token.t === "value") {
      this.index++;
      return token.node;
    }
    if (token.t === "op" && (token.op === "(" || token.op === "{")) {
      if (++this.depth > MAX_NESTING)
        this.fail(
          `Groups nest deeper than ${MAX_NESTING} levels at offset ${token.offset}`,
          token.offset,
        );
      this.index++;
      const inner = this.or();
      const close = this.peek();
      const closer = CLOSER[token.op];
      if (close.t !== "op" || close.op !== closer) {
        const found = close.t === "end" ? "the end of the condition" : this.describe(close);
        this.fail(
          `"${token.op}" at offset ${token.offset} is not closed: expected "${closer}" at offset ${close.offset}, found ${found}`,
          close.offset,
        );
      }
      this.index++;
      this.depth--;
      return inner;
    }
    const previous = this.tokens[this.index - 1];
    const after = previous?.t === "op" ? ` after "${previous.op}"` : "";
    const found = token.t === "end" ? "the end of the condition" : this.describe(token);
    return this.fail(
      `Expected a value (a runtime expression, number, 'string', true, false or null)${after} at offset ${token.offset}, found ${found}`,
      token.offset,
    );
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private isOp(op: string): boolean {
    const token = this.tokens[this.index]!;
    return token.t === "op" && token.op === op;
  }

  private describe(token: Token): string {
    if (token.t === "op") return `"${token.op}"`;
    if (token.t === "end") return "the end";
    const node = token.node;
    return node.type === "expression"
      ? `"${this.text.slice(node.offset, node.end)}"`
      : JSON.stringify(node.type === "literal" ? node.value : null);
  }

  private fail(message: string, offset: number): never {
    throw conditionError(
      `${message} (in the condition ${quoteForMessage(this.text)})`,
      this.text,
      offset,
    );
  }
}

function conditionError(message: string, text: string, offset: number): SluiceError {
  return new SluiceError("invalid-expression", message, { details: { condition: text, offset } });
}

// ---------------------------------------------------------------------------------------------
// Evaluation

const MISSING: unique symbol = Symbol("missing");

function evaluate(node: ConditionNode, resolve: ExpressionResolver): unknown {
  switch (node.type) {
    case "literal":
      return node.value;
    case "expression":
      return lookup(node, resolve);
    case "not": {
      const value = truthy(evaluate(node.operand, resolve));
      return node.count % 2 === 1 ? !value : value;
    }
    case "and":
      for (const operand of node.operands) if (!truthy(evaluate(operand, resolve))) return false;
      return true;
    case "or":
      for (const operand of node.operands) if (truthy(evaluate(operand, resolve))) return true;
      return false;
    case "compare":
      return compare(node.operator, evaluate(node.left, resolve), evaluate(node.right, resolve));
  }
}

function lookup(
  node: Extract<ConditionNode, { type: "expression" }>,
  resolve: ExpressionResolver,
): unknown {
  const result = resolve(node.expression);
  let value: unknown = result.found ? result.value : MISSING;
  if (value === undefined) return MISSING;
  for (const accessor of node.accessors) {
    if (Array.isArray(value) && typeof accessor === "number") {
      value =
        accessor < value.length && Object.prototype.hasOwnProperty.call(value, accessor)
          ? value[accessor]
          : MISSING;
    } else if (
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      Object.prototype.hasOwnProperty.call(value, accessor)
    ) {
      value = (value as Record<string, unknown>)[String(accessor)];
    } else {
      return MISSING;
    }
    if (value === undefined) return MISSING;
  }
  return value;
}

function compare(operator: ComparisonOperator, left: unknown, right: unknown): boolean {
  if (operator === "==") return looseEquals(left, right, 0);
  if (operator === "!=") return !looseEquals(left, right, 0);
  const order = ordering(left, right);
  if (order === undefined) return false;
  switch (operator) {
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
  }
}

function isNullish(value: unknown): boolean {
  return value === null || value === MISSING || value === undefined;
}

function numericString(value: string): number | undefined {
  return NUMERIC_STRING.test(value) ? Number(value) : undefined;
}

function booleanString(value: string): boolean | undefined {
  const lower = value.toLowerCase();
  return lower === "true" ? true : lower === "false" ? false : undefined;
}

function looseEquals(a: unknown, b: unknown, depth: number): boolean {
  if (isNullish(a) || isNullish(b)) return isNullish(a) && isNullish(b);
  const ta = typeof a;
  const tb = typeof b;
  if (ta === "string" && tb === "string")
    return (a as string).toLowerCase() === (b as string).toLowerCase();
  if (ta === "number" && tb === "number") return a === b;
  if (ta === "number" && tb === "string") return numericString(b as string) === a;
  if (ta === "string" && tb === "number") return numericString(a as string) === b;
  if (ta === "boolean" && tb === "boolean") return a === b;
  if (ta === "boolean" && tb === "string") return booleanString(b as string) === a;
  if (ta === "string" && tb === "boolean") return booleanString(a as string) === b;
  if (ta !== "object" || tb !== "object" || depth >= MAX_COMPARE_DEPTH) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!looseEquals(a[i], b[i], depth + 1)) return false;
    return true;
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const key of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (
      !looseEquals(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        depth + 1,
      )
    )
      return false;
  }
  return true;
}

function ordering(a: unknown, b: unknown): number | undefined {
  const na = typeof a === "number" ? a : typeof a === "string" ? numericString(a) : undefined;
  const nb = typeof b === "number" ? b : typeof b === "string" ? numericString(b) : undefined;
  if (na !== undefined && nb !== undefined)
    return Number.isNaN(na) || Number.isNaN(nb) ? undefined : na < nb ? -1 : na > nb ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") {
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    return la < lb ? -1 : la > lb ? 1 : 0;
  }
  return undefined;
}

function truthy(value: unknown): boolean {
  if (value === true) return true;
  if (value === false || isNullish(value)) return false;
  if (typeof value === "number") return value !== 0 && !Number.isNaN(value);
  if (typeof value === "string") return value !== "" && value.toLowerCase() !== "false";
  return true;
}
