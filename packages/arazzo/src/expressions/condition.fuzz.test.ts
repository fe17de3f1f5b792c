// Seeded property tests: the parsers of this folder only ever throw SluiceError("invalid-expression")
// with an offset inside the text, always terminate, and what parses behaves consistently.
import { describe, expect, it } from "vitest";
import { SluiceError } from "sluice/internal";
import { compileCondition, evaluateCondition } from "./condition.js";
import { expressionToString, parseExpression, scanExpression } from "./expression.js";
import { parsePointer } from "./json-pointer.js";
import { parseTemplate } from "./template.js";
import { prng } from "../test-support.test-helper.js";

const SINGLE = "$$$...##//{{}}(())''==!!<<>>&&||~~[[]]--01239 abcxyzXYZ_\t\n\"é;,?%^`\\";
const FRAGMENTS = [
  "$inputs.",
  "$outputs.",
  "$steps.",
  ".outputs.",
  "$workflows.",
  ".inputs.",
  "$response.",
  "$request.",
  "body",
  "#/",
  "header.",
  "query.",
  "path.",
  "$statusCode",
  "$url",
  "$method",
  "$components.",
  "parameters.",
  "$sourceDescriptions.",
  "~0",
  "~1",
  "~",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "true",
  "false",
  "null",
  "'it''s'",
  "200",
  "-1.5e3",
  ".5",
  "{$",
  "}",
  "😀",
  "\ud800",
];

const PREFIXES = [
  "$inputs.",
  "$steps.s.outputs.",
  "$response.body#/",
  "$request.header.",
  "$sourceDescriptions.api.",
  "$workflows.w.inputs.",
  "$components.parameters.",
];
const TAIL = "abcXYZ019._-~01/#";

function randomString(next: () => number): string {
  const length = Math.floor(next() * 40);
  // A quarter of the strings start like a real expression, so deep productions get exercised.
  let out = next() < 0.25 ? PREFIXES[Math.floor(next() * PREFIXES.length)]! : "";
  if (out !== "" && next() < 0.5) {
    for (let i = 0; i < length / 3; i++) out += TAIL[Math.floor(next() * TAIL.length)]!;
    return out;
  }
  for (let i = 0; i < length; i++) {
    out +=
      next() < 0.3
        ? FRAGMENTS[Math.floor(next() * FRAGMENTS.length)]!
        : SINGLE[Math.floor(next() * SINGLE.length)]!;
  }
  return out;
}

const VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  1,
  -2.5,
  Number.NaN,
  "",
  "200",
  "TRUE",
  "abc",
  [],
  [1, "a"],
  {},
  { a: { b: [null] } },
  "false",
];

/** Runs `fn`; a thrown value must be our SluiceError with an offset in [0, text.length]. */
function expectOnlySluiceErrors(text: string, fn: () => unknown): { ok: boolean; value?: unknown } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (!SluiceError.is(error))
      throw new Error(`non-SluiceError for ${JSON.stringify(text)}: ${String(error)}`);
    const offset = error.details?.offset;
    if (
      error.code !== "invalid-expression" ||
      typeof offset !== "number" ||
      offset < 0 ||
      offset > text.length
    ) {
      throw new Error(
        `bad error for ${JSON.stringify(text)}: ${error.code} at ${String(offset)}: ${error.message}`,
      );
    }
    return { ok: false };
  }
}

describe("parsers over 20000 seeded random strings", () => {
  it("throw only SluiceError with an in-range offset, and what parses is consistent", () => {
    const next = prng(0x5eed);
    const counts = { expressions: 0, templates: 0, conditions: 0, pointers: 0, scans: 0 };
    for (let round = 0; round < 20_000; round++) {
      const text = randomString(next);

      const expression = expectOnlySluiceErrors(text, () => parseExpression(text));
      if (expression.ok) {
        counts.expressions++;
        const printed = expressionToString(expression.value as never);
        expect(parseExpression(printed)).toEqual(expression.value);
      }

      const template = expectOnlySluiceErrors(text, () => parseTemplate(text));
      if (template.ok) {
        counts.templates++;
        const parsed = template.value as ReturnType<typeof parseTemplate>;
        if (parsed.kind === "interpolated") {
          const rebuilt = parsed.parts
            .map((part) =>
              part.kind === "literal" ? part.text : text.slice(part.offset, part.end),
            )
            .join("");
          expect(rebuilt).toBe(text);
        }
      }

      const condition = expectOnlySluiceErrors(text, () => compileCondition(text));
      if (condition.ok) {
        counts.conditions++;
        const compiled = condition.value as ReturnType<typeof compileCondition>;
        const result = evaluateCondition(compiled, () =>
          next() < 0.2
            ? { found: false }
            : { found: true, value: VALUES[Math.floor(next() * VALUES.length)] },
        );
        expect(typeof result).toBe("boolean");
      }

      if (expectOnlySluiceErrors(text, () => parsePointer(text)).ok) counts.pointers++;

      const dollar = text.indexOf("$");
      if (dollar >= 0) {
        for (const context of ["condition", "text"] as const) {
          const scanned = expectOnlySluiceErrors(text, () => scanExpression(text, dollar, context));
          if (scanned.ok) {
            counts.scans++;
            const end = (scanned.value as { end: number }).end;
            expect(end).toBeGreaterThan(dollar);
            expect(end).toBeLessThanOrEqual(text.length);
          }
        }
      }
    }
    // The alphabet is rich enough that every parser both accepts and rejects many inputs.
    expect(counts.expressions).toBeGreaterThan(100);
    expect(counts.templates).toBeGreaterThan(1000);
    expect(counts.conditions).toBeGreaterThan(100);
    expect(counts.pointers).toBeGreaterThan(100);
    expect(counts.scans).toBeGreaterThan(1000);
  });

  it("terminate on long and pathological inputs", () => {
    const inputs = [
      "(".repeat(100_000),
      "{$".repeat(50_000),
      "!".repeat(200_000),
      "'".repeat(100_001),
      "$inputs." + "a".repeat(200_000),
      "$response.body#" + "/~0".repeat(50_000),
      "x".repeat(100_000) + "{$",
      "$statusCode == 1 && ".repeat(10_000) + "true",
      "[".repeat(50_000),
    ];
    for (const text of inputs) {
      for (const parse of [compileCondition, parseTemplate, parseExpression, parsePointer])
        expectOnlySluiceErrors(text, () => parse(text));
    }
  });
});

describe("generated valid conditions", () => {
  const OPERANDS = [
    "$statusCode",
    "$response.body#/a/0",
    "$inputs.x",
    "$steps.s.outputs.y#/k",
    "$response.header.X-N",
    "$inputs.list[0].id",
    "200",
    "-1.5",
    "'o''k'",
    "true",
    "null",
  ];
  const COMPARE = ["==", "!=", "<", "<=", ">", ">="];

  function generate(next: () => number, depth: number): string[] {
    const pick = next();
    if (depth > 3 || pick < 0.3) return [OPERANDS[Math.floor(next() * OPERANDS.length)]!];
    if (pick < 0.5)
      return [
        ...side(next, depth),
        COMPARE[Math.floor(next() * COMPARE.length)]!,
        ...side(next, depth),
      ];
    if (pick < 0.65) return ["!", "(", ...generate(next, depth + 1), ")"];
    if (pick < 0.8) return ["(", ...generate(next, depth + 1), ")"];
    return [...generate(next, depth + 1), next() < 0.5 ? "&&" : "||", ...generate(next, depth + 1)];
  }

  /** A comparison's operand: a value, or a group (comparisons do not chain). */
  function side(next: () => number, depth: number): string[] {
    return next() < 0.7
      ? [OPERANDS[Math.floor(next() * OPERANDS.length)]!]
      : ["(", ...generate(next, depth + 1), ")"];
  }

  it("compile the same with or without spaces and evaluate alike", () => {
    const next = prng(42);
    for (let round = 0; round < 2000; round++) {
      const tokens = generate(next, 0);
      const spaced = compileCondition(tokens.join(" "));
      const compact = compileCondition(tokens.join(""));
      expect(compact.root).toEqual(stripOffsets(spaced.root, compact.root));
      const values = new Map<string, unknown>();
      const resolve = (expression: Parameters<typeof expressionToString>[0]) => {
        const key = expressionToString(expression);
        if (!values.has(key)) values.set(key, VALUES[Math.floor(next() * VALUES.length)]);
        return { found: true, value: values.get(key) };
      };
      expect(evaluateCondition(compact, resolve)).toBe(evaluateCondition(spaced, resolve));
    }
  });
});

/** The spaced tree with the compact tree's offsets, so only structure and values are compared. */
function stripOffsets(node: unknown, like: unknown): unknown {
  if (Array.isArray(node)) return node.map((item, i) => stripOffsets(item, (like as unknown[])[i]));
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === "offset" || key === "end"
        ? (like as Record<string, unknown>)[key]
        : stripOffsets(value, (like as Record<string, unknown>)[key]);
  }
  return out;
}
