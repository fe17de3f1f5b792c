/**
 * Arazzo runtime expressions (1.0.1 "Runtime Expressions"): a hand-written scanner over the ABNF.
 *
 * Where the 1.0.1 ABNF is looser than its own prose (`name = *( CHAR )` after every root), we read
 * it as the 1.1.0 ABNF spells it out, which matches 1.0.1's examples and field rules:
 * - input, output and component names are identifiers `[A-Za-z0-9._-]+` (1.0.1 "Components Object"
 *   and workflow/step `outputs` key rules); dots belong to the name, so `$inputs.a.b` is the input
 *   named "a.b" (nested values are reached with a pointer: `$inputs.customer#/id`);
 * - step ids, workflow ids and source description names are `[A-Za-z0-9_-]+`;
 * - `$inputs` / `$outputs` / `$steps..outputs` / `$workflows..inputs|outputs` take an optional
 *   `#/json/pointer` (1.0.1 examples `$steps.someStepId.outputs.pets#/0/id`,
 *   `$workflows.foo.outputs.mappedResponse#/name`, bnpl example `$inputs.customer#/firstName`);
 * - `$components.` is followed by `parameters`, `successActions`, `failureActions` or `inputs`;
 * - free text (query/path names, a source description's reference, pointer tokens) never holds
 *   `{`, `}` or control characters, so an embedded `{$...}` ends at its `}`.
 * ABNF quoted strings are case-insensitive (RFC 5234 §2.3): `$StatusCode` is `$statusCode`. The
 * AST holds the canonical spelling; names keep theirs (header names compare case-insensitively
 * when evaluated, RFC 9110 §5.1).
 */
import { closest, SluiceError } from "sluice/internal";
import { formatPointer, parsePointer } from "./json-pointer.js";

export type MessageSource =
  | { type: "header"; name: string }
  | { type: "query"; name: string }
  | { type: "path"; name: string }
  /** `pointer` is absent for the whole body; `[]` for `body#` (also the whole body). */
  | { type: "body"; pointer?: string[] };

export type ComponentType = "inputs" | "parameters" | "successActions" | "failureActions";

export type RuntimeExpression =
  | { kind: "url" }
  | { kind: "method" }
  | { kind: "statusCode" }
  | { kind: "request"; source: MessageSource }
  | { kind: "response"; source: MessageSource }
  | { kind: "inputs"; name: string; pointer?: string[] }
  | { kind: "outputs"; name: string; pointer?: string[] }
  | { kind: "steps"; stepId: string; field: "outputs"; name: string; pointer?: string[] }
  | {
      kind: "workflows";
      workflowId: string;
      field: "inputs" | "outputs";
      name: string;
      pointer?: string[];
    }
  | { kind: "sourceDescriptions"; name: string; reference: string }
  | { kind: "components"; type: ComponentType; name: string };

/**
 * Where an expression sits decides where its free text ends: "text" (a whole field value or an
 * embedded `{$...}`) ends at `{` or `}`; "condition" also ends at whitespace and at the simple
 * condition operators `( ) [ ] < > = ! & |`.
 */
export type ScanContext = "text" | "condition";

export interface ScannedExpression {
  expression: RuntimeExpression;
  /** Offset just after the expression's last character. */
  end: number;
}

const ROOTS = [
  "url",
  "method",
  "statusCode",
  "request",
  "response",
  "inputs",
  "outputs",
  "steps",
  "workflows",
  "sourceDescriptions",
  "components",
] as const;
type Root = (typeof ROOTS)[number];
const ROOT_BY_LOWER = new Map<string, Root>(ROOTS.map((root) => [root.toLowerCase(), root]));
const SOURCES = ["header", "query", "path", "body"] as const;
const COMPONENT_TYPES: readonly ComponentType[] = [
  "parameters",
  "successActions",
  "failureActions",
  "inputs",
];

// Character classes for ASCII, as bit flags in one table (the scanner runs on every criterion).
const IDENT = 1; // identifier: ALPHA / DIGIT / "." / "-" / "_"
const STRICT = 2; // identifier-strict: ALPHA / DIGIT / "-" / "_"
const TCHAR = 4; // RFC 9110 §5.6.2 token characters
const WORD = 8; // root and keyword letters, read to report unknown roots whole: ALPHA / DIGIT / "_"
const COND_STOP = 16; // ends free text inside a simple condition
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alnum = /[A-Za-z0-9]/.test(ch);
  if (alnum || ch === "." || ch === "-" || ch === "_") CLASS[c]! |= IDENT;
  if (alnum || ch === "-" || ch === "_") CLASS[c]! |= STRICT;
  if (alnum || "!#$%&'*+-.^_`|~".includes(ch)) CLASS[c]! |= TCHAR;
  if (alnum || ch === "_") CLASS[c]! |= WORD;
  if (c <= 0x20 || "()[]{}<>=!&|".includes(ch)) CLASS[c]! |= COND_STOP;
}

function has(code: number, flag: number): boolean {
  return code < 128 && (CLASS[code]! & flag) !== 0;
}

/** Whether free text (a query/path name, a reference, a pointer) ends at this character. */
function isStop(code: number, context: ScanContext): boolean {
  if (code < 0x20 || code === 0x7b || code === 0x7d || code === 0x7f) return true;
  return context === "condition" && code < 128 && (CLASS[code]! & COND_STOP) !== 0;
}

/** Parses a string that is exactly one runtime expression, e.g. a step output's value. */
export function parseExpression(text: string): RuntimeExpression {
  const { expression, end } = scanExpression(text, 0, "text");
  if (end < text.length) {
    const ch = text[end]!;
    const hint = /\s/.test(ch)
      ? ` A runtime expression holds no spaces; to mix text and values write "text {${text.slice(0, end)}}".`
      : ch === "{" || ch === "}"
        ? ` Braces only wrap a whole embedded expression, as in "{$inputs.id}".`
        : "";
    throw expressionError(
      `Unexpected ${JSON.stringify(ch)} at offset ${end} after the runtime expression "${text.slice(0, end)}" in ${quoteForMessage(text)}.${hint}`,
      text,
      end,
    );
  }
  return expression;
}

/**
 * Reads the longest valid runtime expression starting at `start` (which must be a `$`) and
 * returns it with the offset where it ends; what follows is the caller's business. Throws
 * SluiceError("invalid-expression") with `details.offset` (into `text`) when none starts there.
 */
export function scanExpression(
  text: string,
  start: number,
  context: ScanContext = "condition",
): ScannedExpression {
  return new Scanner(text, start, context).scan();
}

/** Whether a string starting with `$` is meant as an expression: its root is known or a near miss. */
export function looksLikeExpression(text: string): boolean {
  if (text.charCodeAt(0) !== 0x24) return false;
  let i = 1;
  while (i < text.length && has(text.charCodeAt(i), WORD)) i++;
  const word = text.slice(1, i).toLowerCase();
  return (
    ROOT_BY_LOWER.has(word) ||
    (word.length >= 2 && closest(word, [...ROOT_BY_LOWER.keys()]) !== undefined)
  );
}

/** The canonical text of an expression; `parseExpression(expressionToString(e))` equals `e`. */
export function expressionToString(expression: RuntimeExpression): string {
  switch (expression.kind) {
    case "url":
    case "method":
    case "statusCode":
      return `$${expression.kind}`;
    case "request":
    case "response": {
      const source = expression.source;
      const tail =
        source.type === "body"
          ? `body${pointerSuffix(source.pointer)}`
          : `${source.type}.${source.name}`;
      return `$${expression.kind}.${tail}`;
    }
    case "inputs":
    case "outputs":
      return `$${expression.kind}.${expression.name}${pointerSuffix(expression.pointer)}`;
    case "steps":
      return `$steps.${expression.stepId}.outputs.${expression.name}${pointerSuffix(expression.pointer)}`;
    case "workflows":
      return `$workflows.${expression.workflowId}.${expression.field}.${expression.name}${pointerSuffix(expression.pointer)}`;
    case "sourceDescriptions":
      return `$sourceDescriptions.${expression.name}.${expression.reference}`;
    case "components":
      return `$components.${expression.type}.${expression.name}`;
  }
}

function pointerSuffix(pointer: readonly string[] | undefined): string {
  return pointer === undefined ? "" : `#${formatPointer(pointer)}`;
}

class Scanner {
  private pos: number;

  constructor(
    private readonly text: string,
    private readonly start: number,
    private readonly context: ScanContext,
  ) {
    this.pos = start;
  }

  scan(): ScannedExpression {
    const { text } = this;
    if (text.charCodeAt(this.pos) !== 0x24) {
      this.fail(
        `Expected a runtime expression starting with "$" at offset ${this.pos} in ${quoteForMessage(text)}.`,
        this.pos,
      );
    }
    this.pos++;
    const word = this.word();
    const root = ROOT_BY_LOWER.get(word.toLowerCase());
    if (root === undefined) {
      const guess = closest(word.toLowerCase(), [...ROOT_BY_LOWER.keys()]);
      const suggestion = guess === undefined ? "" : ` Did you mean "$${ROOT_BY_LOWER.get(guess)}"?`;
      const what =
        word === ""
          ? `"$" at offset ${this.start} is not followed by an expression root`
          : `Unknown runtime expression root "$${word}" at offset ${this.start}`;
      this.fail(
        `${what} in ${quoteForMessage(text)}.${suggestion} Roots: ${ROOTS.map((r) => `$${r}`).join(", ")}.`,
        this.start,
      );
    }
    const expression = this.afterRoot(root);
    return { expression, end: this.pos };
  }

  private afterRoot(root: Root): RuntimeExpression {
    switch (root) {
      case "url":
      case "method":
      case "statusCode":
        return { kind: root };
      case "request":
      case "response":
        return { kind: root, source: this.source(root) };
      case "inputs":
      case "outputs": {
        this.dot(`$${root}`);
        const name = this.identifier(
          IDENT,
          `${root === "inputs" ? "an input" : "an output"} name`,
          `$${root}.`,
        );
        const pointer = this.optionalPointer();
        return pointer === undefined ? { kind: root, name } : { kind: root, name, pointer };
      }
      case "steps": {
        this.dot("$steps");
        const stepId = this.identifier(STRICT, "a step id", "$steps.");
        this.dot(`$steps.${stepId}`);
        this.keyword(["outputs"], `$steps.${stepId}`, `$steps.${stepId}.outputs.<name>`);
        this.dot(`$steps.${stepId}.outputs`);
        const name = this.identifier(IDENT, "an output name", `$steps.${stepId}.outputs.`);
        const pointer = this.optionalPointer();
        const base = { kind: "steps" as const, stepId, field: "outputs" as const, name };
        return pointer === undefined ? base : { ...base, pointer };
      }
      case "workflows": {
        this.dot("$workflows");
        const workflowId = this.identifier(STRICT, "a workflow id", "$workflows.");
        this.dot(`$workflows.${workflowId}`);
        const field = this.keyword(
          ["inputs", "outputs"],
          `$workflows.${workflowId}`,
          `$workflows.${workflowId}.outputs.<name>`,
        );
        this.dot(`$workflows.${workflowId}.${field}`);
        const name = this.identifier(
          IDENT,
          field === "inputs" ? "an input name" : "an output name",
          `$workflows.${workflowId}.${field}.`,
        );
        const pointer = this.optionalPointer();
        const base = { kind: "workflows" as const, workflowId, field, name };
        return pointer === undefined ? base : { ...base, pointer };
      }
      case "sourceDescriptions": {
        this.dot("$sourceDescriptions");
        const name = this.identifier(STRICT, "a source description name", "$sourceDescriptions.");
        this.dot(`$sourceDescriptions.${name}`);
        // An operationId, workflowId or field name: OpenAPI puts no limit on operationIds' characters.
        const reference = this.freeText(
          `an operationId, workflowId or field name after "$sourceDescriptions.${name}."`,
        );
        return { kind: "sourceDescriptions", name, reference };
      }
      case "components": {
        this.dot("$components");
        const type = this.keyword(COMPONENT_TYPES, "$components", "$components.parameters.<name>");
        this.dot(`$components.${type}`);
        const name = this.identifier(IDENT, "a component name", `$components.${type}.`);
        return { kind: "components", type, name };
      }
    }
  }

  private source(root: "request" | "response"): MessageSource {
    this.dot(`$${root}`);
    const type = this.keyword(SOURCES, `$${root}`, `$${root}.body or $${root}.header.<name>`);
    if (type === "body") {
      const pointer = this.optionalPointer();
      return pointer === undefined ? { type } : { type, pointer };
    }
    this.dot(`$${root}.${type}`);
    if (type === "header") {
      const begin = this.pos;
      while (this.pos < this.text.length) {
        const code = this.text.charCodeAt(this.pos);
        if (!has(code, TCHAR) || isStop(code, this.context)) break;
        this.pos++;
      }
      if (this.pos === begin)
        this.missing(`a header name (an RFC 9110 token) after "$${root}.header."`);
      return { type, name: this.text.slice(begin, this.pos) };
    }
    return { type, name: this.freeText(`a ${type} parameter name after "$${root}.${type}."`) };
  }

  /** Letters, digits and "_" from here: roots and keywords, read whole to name a wrong one. */
  private word(): string {
    const begin = this.pos;
    while (this.pos < this.text.length && has(this.text.charCodeAt(this.pos), WORD)) this.pos++;
    return this.text.slice(begin, this.pos);
  }

  private dot(after: string): void {
    if (this.text.charCodeAt(this.pos) === 0x2e) {
      this.pos++;
      return;
    }
    this.fail(
      `Expected "." after "${after}" at offset ${this.pos} in ${quoteForMessage(this.text)}.`,
      this.pos,
    );
  }

  private keyword<K extends string>(allowed: readonly K[], after: string, example: string): K {
    const begin = this.pos;
    const word = this.word();
    const lower = word.toLowerCase();
    const found = allowed.find((k) => k.toLowerCase() === lower);
    if (found !== undefined) return found;
    const guess = closest(
      lower,
      allowed.map((k) => k.toLowerCase()),
    );
    const suggestion =
      guess === undefined
        ? ""
        : ` Did you mean "${allowed.find((k) => k.toLowerCase() === guess)}"?`;
    const got = word === "" ? "nothing" : `"${word}"`;
    return this.fail(
      `Expected ${allowed.map((k) => `"${k}"`).join(" or ")} after "${after}." at offset ${begin} in ${quoteForMessage(this.text)}, found ${got}.${suggestion} Example: ${example}.`,
      begin,
    );
  }

  private identifier(flag: number, what: string, after: string): string {
    const begin = this.pos;
    while (this.pos < this.text.length && has(this.text.charCodeAt(this.pos), flag)) this.pos++;
    if (this.pos === begin) {
      const allowed =
        flag === STRICT ? `letters, digits, "-" and "_"` : `letters, digits, ".", "-" and "_"`;
      this.missing(`${what} after "${after}" (${allowed})`);
    }
    return this.text.slice(begin, this.pos);
  }

  private freeText(what: string): string {
    const begin = this.pos;
    while (this.pos < this.text.length && !isStop(this.text.charCodeAt(this.pos), this.context))
      this.pos++;
    if (this.pos === begin) this.missing(what);
    return this.text.slice(begin, this.pos);
  }

  private optionalPointer(): string[] | undefined {
    if (this.text.charCodeAt(this.pos) !== 0x23) return undefined;
    this.pos++;
    const begin = this.pos;
    while (this.pos < this.text.length && !isStop(this.text.charCodeAt(this.pos), this.context))
      this.pos++;
    try {
      return parsePointer(this.text.slice(begin, this.pos), begin);
    } catch (error) {
      if (!SluiceError.is(error)) throw error;
      const offset = typeof error.details?.offset === "number" ? error.details.offset : begin;
      return this.fail(
        `${error.message.replace(/\.$/, "")} (in the runtime expression "${this.text.slice(this.start, this.pos)}").`,
        offset,
      );
    }
  }

  private missing(what: string): never {
    const found =
      this.pos < this.text.length
        ? `found ${JSON.stringify(this.text[this.pos])}`
        : "found the end of the text";
    return this.fail(
      `Expected ${what} at offset ${this.pos} in ${quoteForMessage(this.text)}, ${found}.`,
      this.pos,
    );
  }

  private fail(message: string, offset: number): never {
    throw expressionError(message, this.text, offset);
  }
}

/** The text quoted for a message, shortened when long (conditions can be). */
export function quoteForMessage(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text);
}

function expressionError(message: string, text: string, offset: number): SluiceError {
  return new SluiceError("invalid-expression", message, { details: { expression: text, offset } });
}
