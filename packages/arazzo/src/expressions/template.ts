/**
 * Field values that may hold runtime expressions (1.0.1 "Runtime Expressions", last paragraph):
 * - a value that is exactly one expression (`$inputs.petOrderRequest`) keeps the referenced value's
 *   type: it may evaluate to an object, a number, ...;
 * - otherwise each `{$...}` inside the string is an embedded expression and the value is a string
 *   (`'{$sourceDescriptions.petstore.url}#/paths/~1pet'`), even when it is only `{$inputs.id}`:
 *   1.1.0 says embedded values are converted to their string form;
 * - a `{` not followed by `$`, and any stray `}`, is literal text (JSON payload templates are full
 *   of them).
 * A value starting with `$` that does not parse is literal text unless its root is a known one or a
 * near miss (`$inputz.id`, `$steps.a.outptus.b`): those are mistakes, reported rather than sent as
 * text. `$5.00` stays a price.
 *
 * Accepted beyond the spec, because the meaning is plain and other runners accept it: a bare
 * expression inside a longer string (`Bearer $inputs.apiKey`), after a space or punctuation, whose
 * root is a spec root, is evaluated as if braced; the part is marked `bare`, and validation warns with
 * the braced rewrite. A bare token whose root is a near miss (`Bearer $inputz.apiKey`) is an error;
 * any other (`$HOME`, `US$5`) is literal text.
 */
import { SluiceError } from "sluice/internal";
import {
  looksLikeExpression,
  parseExpression,
  quoteForMessage,
  scanExpression,
  type RuntimeExpression,
} from "./expression.js";

export type TemplatePart =
  | { kind: "literal"; text: string }
  /**
   * `offset` is the `{`'s offset in the template, `end` the offset just after its `}`. A `bare`
   * expression has no braces: `offset` is its `$`'s offset, `end` just after its last character.
   */
  | { kind: "expression"; expression: RuntimeExpression; offset: number; end: number; bare?: true };

export type Template =
  /** No expression at all. */
  | { kind: "literal"; text: string }
  /** The whole value is one expression: its evaluated type is preserved. */
  | { kind: "expression"; expression: RuntimeExpression }
  /** Literal text and embedded expressions, evaluated to a string. */
  | { kind: "interpolated"; parts: TemplatePart[] };

/** Splits a field value into literal text and runtime expressions; throws on a malformed `{$...}`. */
export function parseTemplate(text: string): Template {
  if (text.charCodeAt(0) === 0x24) {
    try {
      return { kind: "expression", expression: parseExpression(text) };
    } catch (error) {
      if (!SluiceError.is(error) || looksLikeExpression(text)) throw error;
    }
  }
  if (!text.includes("$")) return { kind: "literal", text };
  const parts: TemplatePart[] = [];
  let literalStart = 0;
  let i = text.indexOf("$", 1) < 0 ? text.length : 0;
  while (i < text.length) {
    const braced = text.charCodeAt(i) === 0x7b && text.charCodeAt(i + 1) === 0x24;
    if (!braced && !isBareExpressionAt(text, i)) {
      i++;
      continue;
    }
    if (i > literalStart) parts.push({ kind: "literal", text: text.slice(literalStart, i) });
    const { expression, end } = scanExpression(text, braced ? i + 1 : i, "text");
    if (!braced) {
      parts.push({ kind: "expression", expression, offset: i, end, bare: true });
      literalStart = i = end;
      continue;
    }
    if (text.charCodeAt(end) !== 0x7d) {
      const found =
        end < text.length ? `found ${JSON.stringify(text[end])}` : "reached the end of the text";
      throw new SluiceError(
        "invalid-expression",
        `The embedded expression opened by "{" at offset ${i} in ${quoteForMessage(text)} must end with "}" at offset ${end}, ${found}. Write it as "{${text.slice(i + 1, end)}}".`,
        { details: { expression: text, offset: end } },
      );
    }
    parts.push({ kind: "expression", expression, offset: i, end: end + 1 });
    literalStart = i = end + 1;
  }
  if (parts.length === 0) return { kind: "literal", text };
  if (literalStart < text.length) parts.push({ kind: "literal", text: text.slice(literalStart) });
  return { kind: "interpolated", parts };
}

/**
 * Whether a bare `$root...` starts at `i` (not at the start: a whole value starting with `$` is one
 * expression or literal): after a space or punctuation, with a spec root or a near miss of one (the
 * scan then reports the near miss).
 */
function isBareExpressionAt(text: string, i: number): boolean {
  if (i === 0 || text.charCodeAt(i) !== 0x24) return false;
  const before = text[i - 1]!;
  if (/[\w${\\]/.test(before)) return false;
  return looksLikeExpression(text.slice(i, i + 40));
}

/** The value with every bare expression braced: the standard form a warning suggests. */
export function bracedRewrite(text: string, template: Template): string | undefined {
  if (
    template.kind !== "interpolated" ||
    !template.parts.some((part) => part.kind === "expression" && part.bare)
  )
    return undefined;
  let out = "";
  let at = 0;
  for (const part of template.parts) {
    if (part.kind !== "expression" || !part.bare) continue;
    out += `${text.slice(at, part.offset)}{${text.slice(part.offset, part.end)}}`;
    at = part.end;
  }
  return out + text.slice(at);
}

/** Every runtime expression a template uses, in order (the validator checks what they reference). */
export function templateExpressions(template: Template): RuntimeExpression[] {
  if (template.kind === "literal") return [];
  if (template.kind === "expression") return [template.expression];
  const out: RuntimeExpression[] = [];
  for (const part of template.parts) if (part.kind === "expression") out.push(part.expression);
  return out;
}
