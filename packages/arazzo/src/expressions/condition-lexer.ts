/**
 * The simple condition language's tokens (condition.ts describes the language): operators, and
 * values (literals and runtime expressions with their accessors) already as syntax-tree nodes.
 */
import { SluiceError } from "sluice/internal";
import { quoteForMessage, scanExpression, type RuntimeExpression } from "./expression.js";

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

const NUMBER = /-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const KEY = /[A-Za-z0-9_-]+/y;

export type Token =
  | { t: "op"; op: ComparisonOperator | "!" | "&&" | "||" | "(" | ")" | "{" | "}"; offset: number }
  | { t: "value"; node: ConditionNode; offset: number }
  | { t: "end"; offset: number };

export function tokenize(text: string): Token[] {
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

export function conditionError(message: string, text: string, offset: number): SluiceError {
  return new SluiceError("invalid-expression", message, { details: { condition: text, offset } });
}
