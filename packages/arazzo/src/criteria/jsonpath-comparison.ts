/**
 * A JSONPath criterion written as a comparison, `$.running == true`, is not an RFC 9535 query (a
 * query selects nodes; it does not compare). Its meaning is plain: the value at that singular query
 * compared with the literal. Documents written for other runners use it, so sluice evaluates it as the
 * filter it means, `$[?@.running == true]` (the context is wrapped in an array, so a filter at the top
 * tests the context itself), and validation warns with that rewrite.
 *
 * Accepted: `<singular query> (== | != | < | <= | > | >=) <literal>`, where the singular query is `$`
 * followed by `.name`, `['name']` or `[index]` segments, and the literal is a number, `true`,
 * `false`, `null` or a quoted string. Anything else stays an error.
 */
const SEGMENT = String.raw`(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*(?:-?\d+|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\])`;
const LITERAL = String.raw`(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")`;
const COMPARISON = new RegExp(
  String.raw`^\s*\$(${SEGMENT}*)\s*(==|!=|<=|>=|<|>)\s*(${LITERAL})\s*$`,
);

/** The RFC 9535 filter a comparison means, or undefined when `condition` is not one. */
export function jsonPathComparisonRewrite(condition: string): string | undefined {
  const match = COMPARISON.exec(condition);
  if (!match) return undefined;
  const [, path, operator, literal] = match;
  return `$[?@${path} ${operator} ${literal}]`;
}
