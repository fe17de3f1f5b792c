/**
 * JSON Pointer (RFC 6901) in its plain string form, as runtime expressions use it after `#`
 * (`$response.body#/pets/0/name`). No percent-decoding: Arazzo writes pointers as strings, not as
 * URI fragments.
 * @example
 * resolvePointer({ a: [{ "b/c": 1 }] }, parsePointer("/a/0/b~1c")) // { found: true, value: 1 }
 */
import { SluiceError } from "sluice/internal";

export type PointerResult = { found: true; value: unknown } | { found: false };

const NOT_FOUND: PointerResult = Object.freeze({ found: false });
// RFC 6901 §4: an array index is "0" or digits without a leading zero.
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Splits a pointer into its decoded reference tokens: "" → [], "/" → [""], "/a~1b/c~0" → ["a/b", "c~"].
 * `baseOffset` is added to error offsets, so callers that parse a pointer inside a longer string
 * (an expression, a condition) report positions in their own text.
 */
export function parsePointer(pointer: string, baseOffset = 0): string[] {
  if (pointer === "") return [];
  if (pointer.charCodeAt(0) !== 0x2f) {
    throw pointerError(
      `JSON pointer "${pointer}" must start with "/" (or be empty for the whole value); write "/${pointer}".`,
      pointer,
      baseOffset,
    );
  }
  const tokens: string[] = [];
  let current = "";
  let runStart = 1;
  for (let i = 1; i < pointer.length; i++) {
    const code = pointer.charCodeAt(i);
    if (code === 0x2f) {
      tokens.push(current + pointer.slice(runStart, i));
      current = "";
      runStart = i + 1;
    } else if (code === 0x7e) {
      const next = pointer.charCodeAt(i + 1);
      // Decoding in one left-to-right pass gives RFC 6901 §4's order: "~01" is "~1", not "/".
      if (next !== 0x30 && next !== 0x31) {
        throw pointerError(
          `JSON pointer "${pointer}" has "~" at offset ${baseOffset + i} not followed by 0 or 1; write "~0" for "~" and "~1" for "/".`,
          pointer,
          baseOffset + i,
        );
      }
      current += pointer.slice(runStart, i) + (next === 0x30 ? "~" : "/");
      i++;
      runStart = i + 1;
    }
  }
  tokens.push(current + pointer.slice(runStart));
  return tokens;
}

/**
 * Follows decoded tokens into a JSON-like value. Objects yield only their own properties (never
 * `__proto__`, `constructor` or anything else inherited); arrays yield only canonical indices in
 * range, so "-" (the element after the last) and "01" are not found.
 */
export function resolvePointer(value: unknown, tokens: readonly string[]): PointerResult {
  let current = value;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(token)) return NOT_FOUND;
      const index = Number(token);
      if (index >= current.length || !Object.prototype.hasOwnProperty.call(current, index))
        return NOT_FOUND;
      current = current[index];
    } else if (typeof current === "object" && current !== null) {
      if (!Object.prototype.hasOwnProperty.call(current, token)) return NOT_FOUND;
      current = (current as Record<string, unknown>)[token];
    } else {
      return NOT_FOUND;
    }
  }
  return { found: true, value: current };
}

/** The pointer string for decoded tokens, escaping "~" as "~0" and "/" as "~1". */
export function formatPointer(tokens: readonly string[]): string {
  let out = "";
  for (const token of tokens) out += "/" + token.replace(/~/g, "~0").replace(/\//g, "~1");
  return out;
}

function pointerError(message: string, pointer: string, offset: number): SluiceError {
  return new SluiceError("invalid-expression", message, { details: { pointer, offset } });
}
