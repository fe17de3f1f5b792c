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
 */
import { SluiceError } from "../core/index.js";
import { looksLikeExpression, parseExpression, quoteForMessage, scanExpression, type RuntimeExpression } from "./expression.js";

export type TemplatePart =
  | { kind: "literal"; text: string }
  /** `offset` is the `{`'s offset in the template, `end` the offset just after its `}`. */
  | { kind: "expression"; expression: RuntimeExpression; offset: number; end: number };

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
  let open = text.indexOf("{$");
  if (open < 0) return { kind: "literal", text };
  const parts: TemplatePart[] = [];
  let literalStart = 0;
  while (open >= 0) {
    if (open > literalStart) parts.push({ kind: "literal", text: text.slice(literalStart, open) });
    const { expression, end } = scanExpression(text, open + 1, "text");
    if (text.charCodeAt(end) !== 0x7d) {
      const found = end < text.length ? `found ${JSON.stringify(text[end])}` : "reached the end of the text";
      throw new SluiceError(
        "invalid-expression",
        `The embedded expression opened by "{" at offset ${open} in ${quoteForMessage(text)} must end with "}" at offset ${end}, ${found}. Write it as "{${text.slice(open + 1, end)}}".`,
        { details: { expression: text, offset: end } },
      );
    }
    parts.push({ kind: "expression", expression, offset: open, end: end + 1 });
    literalStart = end + 1;
    open = text.indexOf("{$", literalStart);
  }
  if (literalStart < text.length) parts.push({ kind: "literal", text: text.slice(literalStart) });
  return { kind: "interpolated", parts };
}

/** Every runtime expression a template uses, in order (the validator checks what they reference). */
export function templateExpressions(template: Template): RuntimeExpression[] {
  if (template.kind === "literal") return [];
  if (template.kind === "expression") return [template.expression];
  const out: RuntimeExpression[] = [];
  for (const part of template.parts) if (part.kind === "expression") out.push(part.expression);
  return out;
}
