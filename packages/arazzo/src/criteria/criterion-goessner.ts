/** jsonpath criteria in the Goessner draft's dialect (jsonpath-plus, its safe evaluator, never `eval`). */
import { JSONPath } from "jsonpath-plus";
import { attempt, criterionError, errorText } from "./criteria-support.js";
import { quoteForMessage } from "../expressions/expression.js";

// JSONPath, the Goessner draft (jsonpath-plus, safe evaluator)

type ScriptClass = new (code: string) => unknown;
const SafeScript = (JSONPath as unknown as { prototype?: { safeVm?: { Script?: ScriptClass } } })
  .prototype?.safeVm?.Script;

export function compileGoessner(condition: string): (value: unknown) => boolean {
  const fail = (message: string, offset: number): never => {
    throw criterionError(
      `Malformed Goessner JSONPath condition ${quoteForMessage(condition)}: ${message}.`,
      { condition, offset },
    );
  };
  const start = condition.search(/\S/);
  if (condition[start] !== "$")
    fail(
      `a path starts with "$" (found ${JSON.stringify(condition[start])} at offset ${start}), e.g. $.pets[0] or $[?(@.status == 'ok')]`,
      start,
    );
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
    const script = code.replace(
      /@(parentProperty|parent|property|root|path)|@(?=[.\s)[])/gu,
      (_, name?: string) => `_$_${name ?? "v"}`,
    );
    try {
      new SafeScript(script);
    } catch (error) {
      fail(
        `the script ${JSON.stringify(part)} does not parse: ${errorText(error)}`,
        condition.indexOf(part),
      );
    }
  }
  const wrapFirst = parts[1]?.startsWith("?(") === true;
  return (value) => {
    const json = wrapFirst && !Array.isArray(value) ? [value] : value;
    const result: unknown = attempt(() =>
      JSONPath({
        path: condition,
        json: json as object,
        eval: "safe",
        wrap: true,
        ignoreEvalErrors: true,
      }),
    );
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
      if ((last!.ch === "[") !== (ch === "]"))
        fail(
          `${JSON.stringify(ch)} at offset ${i} cannot close the ${JSON.stringify(last!.ch)} at offset ${last!.at}`,
          i,
        );
    }
  }
  const unclosed = open.pop();
  if (unclosed !== undefined)
    fail(`${JSON.stringify(unclosed.ch)} at offset ${unclosed.at} is not closed`, unclosed.at);
}
