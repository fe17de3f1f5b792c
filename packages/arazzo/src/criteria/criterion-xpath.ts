/** xpath criteria: XPath 1.0 (the `xpath` package) over a document parsed by @xmldom/xmldom. */
import { createRequire } from "node:module";
import { DOMParser, type Document } from "@xmldom/xmldom";
import { closest } from "sluice/internal";
import { attempt, criterionError, errorText } from "./criteria-support.js";
import { quoteForMessage } from "../expressions/expression.js";

// XPath 1.0. Loaded through require so its typings (which pull the DOM lib into every file) stay out.

interface XPathModule {
  parse(expression: string): {
    expression: unknown;
    evaluate(options: { node: unknown }): { booleanValue(): boolean };
  };
  FunctionCall: abstract new (...args: never[]) => { functionName: string };
  VariableReference: abstract new (...args: never[]) => { variable: string };
}
const xpath = createRequire(import.meta.url)("xpath") as XPathModule;
const XPATH_FUNCTIONS = new Set(
  "last position count id local-name namespace-uri name string concat starts-with contains substring-before substring-after substring string-length normalize-space translate boolean not true false lang number sum floor ceiling round".split(
    " ",
  ),
);

export function compileXPath(condition: string, version: string): (value: unknown) => boolean {
  const fail = (message: string): never => {
    const note =
      version === "xpath-10"
        ? ""
        : ` sluice evaluates ${version} as XPath 1.0, so only its XPath 1.0 subset works.`;
    throw criterionError(`XPath condition ${quoteForMessage(condition)} ${message}.${note}`, {
      condition,
      version,
    });
  };
  let evaluator: ReturnType<XPathModule["parse"]>;
  try {
    evaluator = xpath.parse(condition);
  } catch (error) {
    return fail(
      `does not parse (${errorText(error)}); write e.g. count(/order/items/*) > 0 or /order/status = 'placed'`,
    );
  }
  const seen = new Set<object>();
  const visit = (node: unknown): void => {
    if (typeof node !== "object" || node === null || seen.has(node)) return;
    seen.add(node);
    if (node instanceof xpath.FunctionCall && !XPATH_FUNCTIONS.has(node.functionName)) {
      const guess = closest(node.functionName, [...XPATH_FUNCTIONS]);
      fail(
        `calls ${node.functionName}(), which is not an XPath 1.0 function${guess === undefined ? "" : ` (did you mean ${guess}()?)`}`,
      );
    }
    if (node instanceof xpath.VariableReference)
      fail(`uses the variable $${node.variable}, but criteria define no variables`);
    for (const value of Object.values(node)) visit(value);
  };
  visit(evaluator.expression);
  return (value) => {
    const document = xmlDocument(value);
    return (
      document !== undefined &&
      (attempt(() => evaluator.evaluate({ node: document }).booleanValue()) ?? false)
    );
  };
}

const XML_PARSER = new DOMParser({
  locator: false,
  onError: (level, message) => {
    // Warnings are malformed markup too, except a U+FFFD in the text, which is only a character.
    if (level === "warning" && message.startsWith("Unicode replacement")) return;
    throw new Error(message);
  },
});
// Several criteria (and each poll) usually read the same body: keep the last parse.
let lastXml: { text: string; document: Document | undefined } | undefined;

function xmlDocument(value: unknown): Document | undefined {
  const text =
    typeof value === "string"
      ? value
      : value instanceof Uint8Array
        ? new TextDecoder().decode(value)
        : undefined;
  if (text === undefined) return undefined;
  if (lastXml?.text !== text)
    lastXml = { text, document: attempt(() => XML_PARSER.parseFromString(text, "text/xml")) };
  return lastXml.document;
}
