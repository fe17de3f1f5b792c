/**
 * XPath criteria are evaluated as XPath 1.0 (the xpath package), whatever version they name. A
 * function of a later version (`matches()`, `upper-case()`, `ends-with()`) would only fail when the
 * criterion is evaluated, making it false without a word; validation names it first.
 */
const XPATH_1_FUNCTIONS = new Set([
  "last",
  "position",
  "count",
  "id",
  "local-name",
  "namespace-uri",
  "name",
  "string",
  "concat",
  "starts-with",
  "contains",
  "substring-before",
  "substring-after",
  "substring",
  "string-length",
  "normalize-space",
  "translate",
  "boolean",
  "not",
  "true",
  "false",
  "lang",
  "number",
  "sum",
  "floor",
  "ceiling",
  "round",
  // node tests, written like calls
  "node",
  "text",
  "comment",
  "processing-instruction",
]);

/** The functions an XPath expression calls that XPath 1.0 does not have, in order, each once. */
export function unknownXPathFunctions(expression: string): string[] {
  const code = expression.replace(/"[^"]*"|'[^']*'/g, "''");
  const unknown: string[] = [];
  for (const match of code.matchAll(
    /(?<![\w:@$-])([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*\(/g,
  )) {
    const name = match[1]!;
    if (!XPATH_1_FUNCTIONS.has(name) && !unknown.includes(name)) unknown.push(name);
  }
  return unknown;
}
