import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { load } from "js-yaml";
import { parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { parseSource } from "./source-map.js";
import { carefulReason, CORE_SCHEMA } from "./yaml-fast.js";
import { prng } from "../test-support.test-helper.js";

const fixtures = fileURLToPath(new URL("../../../../test/fixtures/arazzo", import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** What the careful path (the yaml package) reads: the value, and whether it found any problem. */
function careful(text: string): { value: unknown; problems: number } {
  const doc = parseDocument(text, { uniqueKeys: true, logLevel: "error", prettyErrors: false });
  const problems = doc.errors.length + doc.warnings.length;
  try {
    return { value: doc.toJS({ maxAliasCount: 1000 }), problems };
  } catch {
    return { value: undefined, problems: problems + 1 }; // an unresolved alias, an alias bomb
  }
}

/** The fast path alone: js-yaml with the core schema, when the text has nothing that needs care. */
function fast(text: string): unknown {
  return load(text, { schema: CORE_SCHEMA, json: false });
}

describe("the fast YAML path reads every fixture as the careful path does", () => {
  const files = filesUnder(fixtures).filter((f) => /\.(ya?ml|json)$/.test(f));

  it("finds the fixtures", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  for (const file of files) {
    const name = file.slice(fixtures.length + 1);
    it(name, () => {
      const text = readFileSync(file, "utf8");
      const reference = careful(text);
      const parsed = parseSource(text, file);
      if (reference.problems > 0) {
        expect(parsed.diagnostics.length).toBeGreaterThan(0);
        return;
      }
      expect(parsed.diagnostics).toEqual([]);
      expect(parsed.value).toEqual(reference.value);
      expect(JSON.stringify(parsed.value)).toBe(JSON.stringify(reference.value)); // key order too
      if (carefulReason(text) === undefined) {
        const value = fast(text);
        expect(value).toEqual(reference.value);
        expect(JSON.stringify(value)).toBe(JSON.stringify(reference.value));
      }
    });
  }

  it("takes the fast path for almost all of them (they hold nothing special)", () => {
    const yamlFiles = files.filter((f) => !/^\s*[{[]/.test(readFileSync(f, "utf8")));
    const careful = yamlFiles.filter((f) => carefulReason(readFileSync(f, "utf8")) !== undefined);
    expect(careful.map((f) => f.slice(fixtures.length + 1))).toEqual([]);
  });
});

describe("plain scalars resolve as in the YAML 1.2 core schema", () => {
  const scalars = [
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "tRUE",
    "null",
    "Null",
    "NULL",
    "~",
    "nULL",
    "",
    "0",
    "-0",
    "+5",
    "010",
    "007",
    "0o17",
    "0o18",
    "+0o17",
    "0x1F",
    "0X1F",
    "+0x1F",
    "-0x1",
    "0b101",
    "1_000",
    "12345678901234567890",
    "1.5",
    ".5",
    "-.5",
    "1.",
    "+1.50",
    "1e3",
    "1E-2",
    "+.5e+3",
    "1.e3",
    ".e3",
    "1e",
    "1.2.3",
    "3.0.1",
    ".inf",
    ".Inf",
    ".INF",
    "-.inf",
    "+.inf",
    ".nan",
    ".NaN",
    ".NAN",
    "-.nan",
    "inf",
    "nan",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "12:30",
    "12:30:45",
    "1:20",
    "=",
    "<",
    "a-b",
    "$statusCode == 200",
  ];

  for (const scalar of scalars) {
    it(JSON.stringify(scalar), () => {
      const text = `value: ${scalar}\nlist: [${scalar === "" ? "''" : scalar}]\n`;
      const reference = careful(text);
      expect(reference.problems).toBe(0);
      expect(carefulReason(text)).toBeUndefined();
      expect(
        Object.is(
          (parseSource(text, "s.yaml").value as { value: unknown }).value,
          (reference.value as { value: unknown }).value,
        ),
      ).toBe(true);
      expect(parseSource(text, "s.yaml").value).toEqual(reference.value);
    });
  }

  it("keys are the same strings", () => {
    const text = "1: a\n0x10: b\n1.50: c\ntrue: d\n'q': e\n\"d\": f\n-0: g\n";
    expect(carefulReason(text)).toBeUndefined();
    expect(fast(text)).toEqual(careful(text).value);
    expect(Object.keys(fast(text) as object)).toEqual(Object.keys(careful(text).value as object));
  });

  it("duplicate keys are refused by both, so the careful path reports them", () => {
    expect(() => fast("a: 1\nb: 2\na: 3\n")).toThrow();
    expect(() => fast("1: x\n01: y\n")).toThrow();
    expect(
      parseSource("a: 1\nb: 2\na: 3\n", "d.yaml").diagnostics.map((d) => `${d.line}:${d.column}`),
    ).toEqual(["3:1"]);
  });

  it("block scalars, quoted escapes and multi-line plain scalars", () => {
    const text = [
      "literal: |",
      "  one",
      "    two",
      "",
      "folded: >-",
      "  a",
      "  b",
      "",
      "  c",
      "keep: |+",
      "  x",
      "",
      'escapes: "tab\\there \\u263A \\x41 \\/ \\"q\\""',
      "single: 'it''s'",
      "plain: first",
      "  second",
      "",
      "  third",
      "comment: value # not part of it",
      "hash: a#b",
      "url: http://example.com:8080/x?y=1#frag",
      "",
    ].join("\n");
    expect(carefulReason(text)).toBeUndefined();
    expect(fast(text)).toEqual(careful(text).value);
  });
});

describe("constructs that need the careful path take it", () => {
  const cases: Array<[string, string]> = [
    ["anchor, alias or tag", "base: &b {x: 1}\nother: *b\n"],
    ["anchor, alias or tag", "list:\n  - &first a\n  - *first\n"],
    ["anchor, alias or tag", "a: !!str 1\n"],
    ["anchor, alias or tag", "a: !custom x\n"],
    ["anchor, alias or tag", "a: [*x]\n"],
    ["directive", "%YAML 1.2\n---\na: 1\n"],
    ["several documents", "a: 1\n---\nb: 2\n"],
    ["several documents", "a: 1\n...\n"],
    ["merge key", "base: {x: 1}\nother:\n  <<: {y: 2}\n"],
    ["complex key", "? a\n: 1\n"],
    ["collection as key", "[a, b]: c\n"],
    ["collection as key", "x: {{a: 1}: b}\n"],
    ["null key", ": x\n"],
    ["null key", "a:\n  ~: x\n"],
    ["null key", "- null: x\n"],
    ["long line", `a: ${"x".repeat(1200)}\n`],
    ["multi-line quoted scalar or flow collection", "a: [1,\n2]\n"],
    ["multi-line quoted scalar or flow collection", "a: {x: 1,\n  y: 2}\n"],
    ["multi-line quoted scalar or flow collection", 'a: "one\ntwo"\n'],
    ["multi-line quoted scalar or flow collection", "a: 'one\n  two'\n"],
    ["multi-line quoted scalar or flow collection", 'a: "one \\\n  two"\n'],
  ];

  for (const [reason, text] of cases) {
    it(`${reason}: ${JSON.stringify(text.slice(0, 40))}`, () => {
      expect(carefulReason(text)).toBe(reason);
      const reference = careful(text);
      const parsed = parseSource(text, "c.yaml");
      if (reference.problems > 0) expect(parsed.diagnostics.length).toBeGreaterThan(0);
      else expect(parsed.value).toEqual(reference.value);
    });
  }

  it("and what only looks special does not", () => {
    for (const text of [
      "condition: $statusCode == 200 && $response.body#/ok == true\n",
      "condition: $response.body#/state != null\n",
      "paths:\n  /items/{id}:\n    get: {}\n",
      'description: "**bold** and *em*"\n',
      "description: it's 'quoted' here\n",
      "a: what? -why- c?d\n",
      "---\na: 1\n",
      "a: [1, [2, {b: c}]]\n",
      '"key with spaces": {"x": [1, 2]}\n',
    ]) {
      expect(carefulReason(text)).toBeUndefined();
      expect(fast(text)).toEqual(careful(text).value);
    }
  });

  it("text js-yaml refuses falls back, and the careful path locates the problem", () => {
    const text = "a: 1\nb:\n  - x\n - y\n";
    expect(carefulReason(text)).toBeUndefined();
    expect(() => fast(text)).toThrow();
    expect(parseSource(text, "e.yaml").diagnostics[0]).toMatchObject({ line: 4 });
  });

  it("positions of a document read on the fast path are found on demand", () => {
    const text = "arazzo: 1.0.1\nworkflows:\n  - workflowId: w\n    steps:\n      - stepId: s\n";
    expect(carefulReason(text)).toBeUndefined();
    const parsed = parseSource(text, "p.yaml");
    expect(parsed.format).toBe("yaml");
    expect(parsed.positionOf(["workflows", 0, "steps", 0, "stepId"])).toEqual({
      line: 5,
      column: 17,
    });
    expect(parsed.positionOf(["workflows", 0, "steps", 0, "stepId"], "key")).toEqual({
      line: 5,
      column: 9,
    });
  });
});

describe("fast and careful paths agree on seeded near-miss documents", () => {
  const inserts = [
    " ",
    "  ",
    "\n",
    ":",
    "- ",
    "'",
    '"',
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "\t",
    "|",
    ">",
    "? ",
    "~",
    "0x1",
    "1e3",
    "-",
    "*",
    "&",
    "!",
    "%",
    "@",
    "`",
    "\\",
    "null",
    "\n  ",
    "\n- ",
    ": x\n",
  ];
  const texts = filesUnder(fixtures)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => readFileSync(f, "utf8"));

  function mutate(text: string, next: () => number): string {
    const lines = text.split("\n");
    for (let k = 0, n = 1 + Math.floor(next() * 3); k < n; k++) {
      if (lines.length === 0) lines.push("");
      const i = Math.floor(next() * lines.length);
      const r = next();
      const line = lines[i]!;
      if (r < 0.2) lines[i] = ` ${line}`;
      else if (r < 0.35) lines[i] = line.replace(/^ /, "");
      else if (r < 0.5) lines.splice(i, 0, lines[Math.floor(next() * lines.length)]!);
      else if (r < 0.6) lines.splice(i, 1);
      else {
        const at = Math.floor(next() * (line.length + 1));
        lines[i] =
          r < 0.8
            ? line.slice(0, at) + inserts[Math.floor(next() * inserts.length)] + line.slice(at)
            : line.slice(0, at) + line.slice(at + 1);
      }
    }
    return lines.join("\n");
  }

  it("1500 mutated fixtures: whenever the fast path reads one, the yaml package reads the same value without a problem", () => {
    const next = prng(7);
    let readFast = 0;
    for (let n = 0; n < 1500; n++) {
      const text = mutate(texts[Math.floor(next() * texts.length)]!, next);
      if (carefulReason(text) !== undefined) continue;
      let value: unknown;
      try {
        value = fast(text);
      } catch {
        continue; // the careful path reads it
      }
      if (value === undefined) continue;
      readFast++;
      const reference = careful(text);
      if (reference.problems > 0 || JSON.stringify(value) !== JSON.stringify(reference.value))
        expect.fail(`fast and careful paths differ on:\n${text}`);
    }
    expect(readFast).toBeGreaterThan(200);
  });
});
