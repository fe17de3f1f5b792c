/**
 * XPath 1.0 replacements in an XML payload: each target sets the text of the elements, attributes or
 * text nodes it selects.
 */
import { createRequire } from "node:module";
import type { Document, Node } from "@xmldom/xmldom";
import { SluiceError } from "sluice/internal";
import type { ExpressionResolver } from "../expressions/condition.js";
import { quoteForMessage } from "../expressions/expression.js";
import type { RequestInput } from "./request.js";
import { documentError, embeddedText, replacementValue } from "./request-values.js";

// XML payloads: xpath and xmldom are loaded through require, on first use (together about 50 ms to
// load, which a run without XML payloads should not pay), and so xpath's typings (which add the DOM lib) stay out.
interface XPathModule {
  parse(expression: string): { select(options: { node: unknown }): Node[] };
}
let xml: { xpath: XPathModule; dom: typeof import("@xmldom/xmldom") } | undefined;
function xmlModules(): NonNullable<typeof xml> {
  const require = createRequire(import.meta.url);
  return (xml ??= {
    xpath: require("xpath") as XPathModule,
    dom: require("@xmldom/xmldom") as typeof import("@xmldom/xmldom"),
  });
}

export function replaceInXml(
  text: string,
  replacements: NonNullable<NonNullable<RequestInput["requestBody"]>["replacements"]>,
  resolve: ExpressionResolver,
): string {
  const { xpath, dom } = xmlModules();
  let document: Document;
  try {
    document = new dom.DOMParser({
      onError: (level, message) => {
        if (level !== "warning") throw new Error(message);
      },
    }).parseFromString(text, "text/xml");
  } catch (error) {
    throw documentError(
      `Replacements need the XML payload to parse, after its {$...} values are filled in: ${(error as Error).message}.`,
      {},
    );
  }
  replacements.forEach((replacement, index) => {
    const where = `request body replacement ${index} (target ${quoteForMessage(String(replacement.target))})`;
    if (typeof replacement.target !== "string")
      throw documentError(`The ${where} needs a target: an XPath such as /order/petId.`, {});
    let nodes: Node[];
    try {
      nodes = xpath.parse(replacement.target).select({ node: document });
    } catch (error) {
      throw new SluiceError(
        "invalid-expression",
        `The ${where} is not an XPath 1.0 expression that selects nodes: ${(error as Error).message}.`,
        { details: { target: replacement.target } },
      );
    }
    if (nodes.length === 0)
      throw documentError(`The ${where} selects nothing in the XML payload.`, {
        target: replacement.target,
      });
    const text = embeddedText(replacementValue(replacement.value, resolve, where));
    for (const node of nodes) {
      if (node.nodeType === 1) {
        while (node.firstChild !== null) node.removeChild(node.firstChild);
        node.appendChild(document.createTextNode(text));
      } else if (node.nodeType === 2) {
        Object.assign(node, { value: text, nodeValue: text }); // an attribute
      } else if (node.nodeType === 3 || node.nodeType === 4) {
        Object.assign(node, { data: text, nodeValue: text }); // text or CDATA
      } else {
        throw documentError(
          `The ${where} selects a ${node.nodeName} node; select elements, attributes or text.`,
          { target: replacement.target },
        );
      }
    }
  });
  return new dom.XMLSerializer().serializeToString(document);
}
