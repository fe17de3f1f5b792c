/**
 * Runtime expressions in field values: a string is one expression or text with embedded `{$...}`; each
 * expression must parse and name things that exist where it is evaluated (reference-model.ts decides).
 */
import { SluiceError } from "sluice/internal";
import type { DocPath } from "./diagnostics.js";
import type { RuntimeExpression } from "../expressions/expression.js";
import { expressionProblem, type Scope } from "./reference-model.js";
import { messageOf, report, type ReferenceContext } from "./reference-report.js";
import { portedExpression } from "../expressions/ported-forms.js";
import { bracedRewrite, parseTemplate } from "../expressions/template.js";

/** A field value: a string may be one runtime expression or text with embedded `{$...}`. */
export function value(
  c: ReferenceContext,
  scope: Scope,
  path: DocPath,
  value: unknown,
  what: string,
): void {
  if (typeof value !== "string") return;
  let template;
  try {
    template = parseTemplate(value);
  } catch (error) {
    const ported = portedExpression(value);
    if (ported !== undefined && scope.syntax) {
      report(
        c,
        scope.doc,
        path,
        {
          message: `${what}: ${messageOf(error)}`,
          hint: `write ${JSON.stringify(ported)}`,
          fix: { value: ported },
        },
        value,
        0,
      );
      return;
    }
    syntaxError(
      c,
      scope,
      path,
      value,
      error,
      what,
      "write one runtime expression (e.g. $inputs.id), or text with embedded expressions in braces (e.g. 'id-{$inputs.id}')",
    );
    return;
  }
  if (template.kind === "expression")
    expression(c, scope, path, value, 0, template.expression, what);
  else if (template.kind === "interpolated") {
    for (const part of template.parts)
      if (part.kind === "expression")
        expression(
          c,
          scope,
          path,
          value,
          part.bare ? part.offset : part.offset + 1,
          part.expression,
          what,
        );
    const rewrite = scope.syntax ? bracedRewrite(value, template) : undefined;
    if (rewrite !== undefined) {
      const first = template.parts.find((part) => part.kind === "expression" && part.bare) as {
        offset: number;
      };
      report(
        c,
        scope.doc,
        path,
        {
          severity: "warning",
          message: `${what}: ${JSON.stringify(value)} holds a runtime expression without braces; it is evaluated as if braced`,
          hint: `write ${JSON.stringify(rewrite)}`,
          fix: { value: rewrite },
        },
        value,
        first.offset,
      );
    }
  }
}

/** Reports a parse error at its offset in `text`; only where syntax is checked (a component used elsewhere was checked where defined). */
export function syntaxError(
  c: ReferenceContext,
  scope: Scope,
  path: DocPath,
  text: string,
  error: unknown,
  what: string,
  hint: string,
): void {
  if (!scope.syntax) return;
  const offset =
    SluiceError.is(error) && typeof error.details?.offset === "number" ? error.details.offset : 0;
  report(c, scope.doc, path, { message: `${what}: ${messageOf(error)}`, hint }, text, offset);
}

/** Checks what parsed expression `e` (at `offset` in `text`) names. */
export function expression(
  c: ReferenceContext,
  scope: Scope,
  path: DocPath,
  text: string,
  offset: number,
  e: RuntimeExpression,
  what: string,
): void {
  const problem = expressionProblem(scope, e);
  if (!problem) return;
  const fix =
    problem.rewrite && scope.syntax
      ? { value: text.replaceAll(problem.rewrite.from, problem.rewrite.to) }
      : undefined;
  report(
    c,
    scope.doc,
    path,
    { message: `${what}: ${problem.message}`, hint: problem.hint, fix },
    text,
    offset,
  );
}
