/**
 * Regex criteria (ECMA-262, with the `u` flag when the pattern allows it), compiled so that they cannot
 * hang a run: see compileRegex.
 */
import { Script } from "node:vm";
import { RE2JS } from "re2js";
import { SluiceError } from "sluice/internal";
import { quoteForMessage } from "../expressions/expression.js";

export function compileRegex(pattern: string): (value: unknown) => boolean {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, "u");
  } catch (unicodeError) {
    try {
      regex = new RegExp(pattern);
    } catch {
      const reason = (
        unicodeError instanceof Error ? unicodeError.message : String(unicodeError)
      ).replace(/\.$/, "");
      throw new SluiceError(
        "invalid-expression",
        `Malformed regex condition ${quoteForMessage(pattern)}: ${reason}. Write an ECMA-262 pattern such as "^2\\d\\d$".`,
        { details: { condition: pattern } },
      );
    }
  }
  // A backtracking engine can take exponential time on a short text (`^(a+)+$` on 35 characters):
  // patterns RE2 accepts run on RE2JS, in linear time; the others (backreferences, lookaround) on the
  // ECMAScript engine under a hard time limit.
  const linear = linearRegex(pattern);
  return (value) => {
    const text =
      typeof value === "string"
        ? value
        : typeof value === "number" || typeof value === "boolean" || typeof value === "bigint"
          ? String(value)
          : undefined;
    if (text === undefined) return false;
    return linear ? linear.matcher(text).find() : testWithin(regex, text, pattern);
  };
}

/** How long a regex RE2 cannot run may take on one value. */
const REGEX_LIMIT_MS = 1_000;
let regexScript: Script | undefined;

function linearRegex(pattern: string): RE2JS | undefined {
  try {
    return RE2JS.compile(pattern);
  } catch {
    return undefined;
  }
}

function testWithin(regex: RegExp, text: string, pattern: string): boolean {
  regex.lastIndex = 0;
  regexScript ??= new Script("regex.test(text)");
  try {
    return regexScript.runInNewContext({ regex, text }, { timeout: REGEX_LIMIT_MS }) === true;
  } catch (error) {
    throw new SluiceError(
      "criteria-failed",
      `The regex condition ${quoteForMessage(pattern)} did not finish within ${REGEX_LIMIT_MS} ms on a value of ${text.length} characters (catastrophic backtracking). Rewrite it without nested quantifiers such as (a+)+, or without backreferences and lookaround, which sluice then runs in linear time.`,
      { cause: error, details: { condition: pattern } },
    );
  }
}
