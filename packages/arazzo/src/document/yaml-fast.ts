/**
 * What the fast YAML path of source-map.ts needs: a js-yaml schema that resolves plain scalars
 * exactly as the `yaml` package's YAML 1.2 core schema does, and a cheap, conservative test for the
 * constructs only the careful path handles (or reports) the way the checks expect.
 *
 * js-yaml's own CORE_SCHEMA is not quite YAML 1.2 core: it also reads `0b101`, `1_000` and `+0x1F`
 * as numbers, where the core schema (and the `yaml` package) keeps them as strings. So the scalar
 * types here copy the core schema's patterns (YAML 1.2.2, section 10.3.2).
 */
import { FAILSAFE_SCHEMA, Type } from "js-yaml";

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_DEC = /^[-+]?[0-9]+$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

// Most plain scalars are words: each resolver looks at the first character before any pattern.
const isNumberStart = (c: number) =>
  (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e; // 0-9 + - .

const nullType = new Type("tag:yaml.org,2002:null", {
  kind: "scalar",
  resolve: (data: string | null) =>
    data === null || data.length === 0 || (data.length <= 4 && NULL.test(data)),
  construct: () => null,
});

const boolType = new Type("tag:yaml.org,2002:bool", {
  kind: "scalar",
  resolve: (data: string | null) =>
    data !== null && (data.length === 4 || data.length === 5) && BOOL.test(data),
  construct: (data: string) => data[0] === "t" || data[0] === "T",
});

const intType = new Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  resolve: (data: string | null) =>
    data !== null &&
    isNumberStart(data.charCodeAt(0)) &&
    (INT_DEC.test(data) || INT_OCT.test(data) || INT_HEX.test(data)),
  // parseInt as the yaml package does (so "-0" is -0 and big values round the same way).
  construct: (data: string) =>
    INT_OCT.test(data)
      ? parseInt(data.slice(2), 8)
      : INT_HEX.test(data)
        ? parseInt(data.slice(2), 16)
        : parseInt(data, 10),
});

const floatType = new Type("tag:yaml.org,2002:float", {
  kind: "scalar",
  // An integer-looking scalar is an int (tried first); a float needs a dot or an exponent here.
  resolve: (data: string | null) =>
    data !== null &&
    isNumberStart(data.charCodeAt(0)) &&
    (FLOAT_SPECIAL.test(data) || (FLOAT.test(data) && !INT_DEC.test(data))),
  construct: (data: string) => {
    if (!FLOAT_SPECIAL.test(data)) return parseFloat(data);
    if (data.slice(-3).toLowerCase() === "nan") return NaN;
    return data[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  },
});

/** YAML 1.2 core: str, seq, map, and null, bool, int, float resolved as the `yaml` package does. */
export const CORE_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [nullType, boolType, intType, floatType],
});

/**
 * Constructs the fast path leaves to the careful one. Each pattern may match harmless text too (a
 * `*` in a description, a `? ` in prose): that only costs the careful path's time, never a
 * different result.
 * - anchors `&a`, aliases `*a` (the careful path bounds alias expansion) and tags `!x` where a node
 *   may start (line start, after `- `, `? `, `: `, `[`, `{`, `,`), so `a && b` in a condition is fine;
 * - directives (`%YAML`) and document markers after the first line (several documents);
 * - merge keys `<<:` and complex keys `? `;
 * - a flow collection used as a key (`[a, b]: c`), and null keys (`: x`, `~: x`), which the two
 *   parsers turn into different strings;
 * - very long lines (the yaml package refuses implicit keys over 1024 characters);
 * - a quoted scalar or flow collection that goes on past the end of its line: js-yaml reads its
 *   continuation lines at any indentation, where the yaml package (rightly) reports some.
 */
const CAREFUL: ReadonlyArray<[string, RegExp]> = [
  ["anchor, alias or tag", /(?:^|[-?][ \t]|[:[{,])[ \t]*(?:[&*][^\s,[\]{}]|!)/m],
  ["directive", /^%/m],
  ["several documents", /\n---(?:[ \t\r]|$)|^\.\.\.(?:[ \t\r]|$)/m],
  ["merge key", /(?:^|[\s{,])<<[ \t]*:/],
  ["complex key", /(?:^|[\s[{,])\?(?:[ \t\r]|$)/m],
  ["collection as key", /(?:^|[-?:][ \t]|[[{,])[ \t]*[[{][^\n]*[\]}][ \t]*:(?:[\s,[\]{}]|$)/m],
  ["null key", /(?:^[ \t]*(?:-[ \t]+)*|[[{,][ \t]*)(?:~|null|Null|NULL)?[ \t]*:(?:[\s,[\]{}]|$)/m],
];

const LONGEST_LINE = 1000;

/** Why `text` needs the careful path (a short name of the construct), or undefined when it does not. */
export function carefulReason(text: string): string | undefined {
  for (const [name, pattern] of CAREFUL) if (pattern.test(text)) return name;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    if (end - start > LONGEST_LINE) return "long line";
    start = end + 1;
  }
  return continuesOverLines(text) ? "multi-line quoted scalar or flow collection" : undefined;
}

export function needsCarefulYaml(text: string): boolean {
  return carefulReason(text) !== undefined;
}

/**
 * Whether a quoted scalar or flow collection may go on past the end of a line. Each line is read on
 * its own: a quote or bracket opens only where a node may start (line start, after `- `, `? `, `: `,
 * and in flow after `[`, `{`, `,`, `:`), so quotes and brackets inside plain text are ignored; a
 * mistaken opening only sends the document down the careful path.
 */
function continuesOverLines(text: string): boolean {
  let flow = 0;
  let quote = 0; // the quote character of the scalar we are in, or 0
  let nodeStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      if (flow > 0 || quote !== 0) return true;
      nodeStart = true;
      continue;
    }
    if (quote !== 0) {
      if (quote === 0x22 && c === 0x5c) {
        if (text.charCodeAt(i + 1) === 0x0a || text.charCodeAt(i + 1) === 0x0d) return true; // an escaped line break
        i++;
      } else if (c === quote) {
        if (quote === 0x27 && text.charCodeAt(i + 1) === 0x27)
          i++; // '' inside single quotes
        else {
          quote = 0;
          nodeStart = false;
        }
      }
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
    if (c === 0x23 && (i === 0 || isBlank(text.charCodeAt(i - 1)))) {
      const end = text.indexOf("\n", i);
      if (end < 0) break;
      i = end - 1; // a comment: on to the line break
      continue;
    }
    if (nodeStart && (c === 0x22 || c === 0x27)) {
      quote = c;
      continue;
    }
    if ((nodeStart || flow > 0) && (c === 0x5b || c === 0x7b)) {
      flow++;
      nodeStart = true;
      continue;
    }
    if (flow > 0) {
      if (c === 0x5d || c === 0x7d) {
        flow--;
        nodeStart = false;
      } else nodeStart = c === 0x2c || c === 0x3a;
      continue;
    }
    const next = text.charCodeAt(i + 1);
    nodeStart = (c === 0x2d || c === 0x3f || c === 0x3a) && (Number.isNaN(next) || isBlank(next));
  }
  return flow > 0 || quote !== 0;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
