import { describe, expect, it } from "vitest";
import { parseSource } from "./source-map.js";
import { prng } from "../test-support.test-helper.js";

const YAML = `arazzo: 1.0.1
info:
  title: Demo
  version:
workflows:
  - workflowId: first
    steps:
      - stepId: a
        operationId: getThing
      - stepId: "b"
`;

describe("parseSource positions (YAML)", () => {
  const parsed = parseSource(YAML, "/docs/demo.yaml");

  it("returns the plain value and no diagnostics", () => {
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.format).toBe("yaml");
    expect(parsed.value).toEqual({
      arazzo: "1.0.1",
      info: { title: "Demo", version: null },
      workflows: [
        { workflowId: "first", steps: [{ stepId: "a", operationId: "getThing" }, { stepId: "b" }] },
      ],
    });
  });

  it("finds values and keys, 1-based", () => {
    expect(parsed.positionOf(["arazzo"])).toEqual({ line: 1, column: 9 });
    expect(parsed.positionOf(["arazzo"], "key")).toEqual({ line: 1, column: 1 });
    expect(parsed.positionOf(["workflows", 0, "steps", 1, "stepId"])).toEqual({
      line: 10,
      column: 17,
    });
    expect(parsed.positionOf(["workflows", 0, "steps", 1, "stepId"], "key")).toEqual({
      line: 10,
      column: 9,
    });
    expect(parsed.positionOf(["workflows", 0, "steps", 0])).toEqual({ line: 8, column: 9 });
    expect(parsed.positionOf(["workflows", "0", "steps", "0", "operationId"])).toEqual({
      line: 9,
      column: 22,
    });
  });

  it("points at the key when the value is empty", () => {
    expect(parsed.positionOf(["info", "version"])).toEqual({ line: 4, column: 3 });
  });

  it("falls back to the nearest existing ancestor", () => {
    expect(parsed.positionOf(["workflows", 0, "steps", 0, "parameters", 3, "name"])).toEqual({
      line: 8,
      column: 9,
    });
    expect(parsed.positionOf(["workflows", 7])).toEqual({ line: 6, column: 3 });
    expect(parsed.positionOf(["nope"])).toEqual({ line: 1, column: 1 });
    expect(parsed.positionOf([])).toEqual({ line: 1, column: 1 });
  });

  it("follows aliases", () => {
    const p = parseSource("base: &b\n  x: 1\n  y: 2\nother: *b\n", "f.yaml");
    expect(p.value).toEqual({ base: { x: 1, y: 2 }, other: { x: 1, y: 2 } });
    expect(p.positionOf(["other", "y"])).toEqual({ line: 3, column: 6 });
  });
});

describe("parseSource (JSON)", () => {
  const JSON_TEXT =
    '{\n  "a": 1,\n  "list": [\n    { "id": "x" },\n    { "id": "y", "n": [1, 2] }\n  ]\n}\n';

  it("parses JSON to the same value and finds positions lazily", () => {
    const p = parseSource(JSON_TEXT, "/d.json");
    expect(p.format).toBe("json");
    expect(p.diagnostics).toEqual([]);
    expect(p.value).toEqual(JSON.parse(JSON_TEXT));
    expect(p.positionOf(["list", 1, "id"])).toEqual({ line: 5, column: 13 });
    expect(p.positionOf(["list", 1, "n", 1])).toEqual({ line: 5, column: 27 });
    expect(p.positionOf(["list", 1, "n"], "key")).toEqual({ line: 5, column: 18 });
  });

  it("reports duplicate keys with the position of the second one", () => {
    const p = parseSource('{\n  "a": 1,\n  "b": {"c": 1},\n  "a": 2\n}', "/d.json");
    expect(p.diagnostics).toHaveLength(1);
    expect(p.diagnostics[0]).toMatchObject({
      file: "/d.json",
      line: 4,
      column: 3,
      message: 'duplicate key "a" in this map',
    });
    expect(p.diagnostics[0]!.hint).toMatch(/remove or rename/);
  });

  it("sees duplicates written with escapes and in nested objects, not across objects", () => {
    expect(parseSource('{"x": {"a": 1, "\\u0061": 2}}', "d.json").diagnostics).toHaveLength(1);
    expect(
      parseSource('{"x": {"a": 1}, "y": {"a": 1}, "z": ["a", "a"]}', "d.json").diagnostics,
    ).toEqual([]);
    expect(parseSource('{"a": "{\\"a\\": 1}", "b": "a"}', "d.json").diagnostics).toEqual([]);
  });

  it("accepts tab-indented JSON", () => {
    const p = parseSource('{\n\t"a": [\n\t\t1\n\t]\n}', "d.json");
    expect(p.diagnostics).toEqual([]);
    expect(p.positionOf(["a", 0])).toEqual({ line: 3, column: 3 });
  });

  it("reports a JSON syntax error at its position", () => {
    const p = parseSource('{\n  "a": 1,\n  "b": [1, 2\n}', "d.json");
    expect(p.diagnostics.length).toBeGreaterThan(0);
    expect(p.diagnostics[0]!.line).toBeGreaterThanOrEqual(3);
    expect(p.diagnostics[0]!.message).toMatch(/YAML syntax error/);
  });
});

describe("parseSource problems become diagnostics", () => {
  it("YAML syntax errors carry line and column", () => {
    const p = parseSource("a: 1\nb:\n  - x\n - y\n", "/e.yaml");
    expect(p.diagnostics[0]).toMatchObject({ file: "/e.yaml", line: 4, path: "" });
    expect(p.diagnostics[0]!.message).toMatch(/^YAML syntax error/);
  });

  it("duplicate YAML keys", () => {
    const p = parseSource("a: 1\nb: 2\na: 3\n", "/e.yaml");
    expect(p.diagnostics.map((d) => [d.line, d.column, d.message])).toEqual([
      [3, 1, "duplicate key a in this map"],
    ]);
  });

  it("tags outside the JSON ruleset, collection keys, and several documents", () => {
    const tagged = parseSource("a: !!binary aGVsbG8=\nb: !!str 1\nc: !custom x\n", "/t.yaml");
    expect(tagged.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}`).sort()).toEqual([
      "1:4 /a",
      "3:4 ",
    ]);
    expect((tagged.value as Record<string, unknown>).b).toBe("1");
    const keyed = parseSource("? [a, b]\n: 1\n", "/k.yaml");
    expect(keyed.diagnostics.map((d) => d.message)).toContain(
      "map keys must be plain strings, not lists or maps",
    );
    const multi = parseSource("a: 1\n---\nb: 2\n", "/m.yaml");
    expect(multi.diagnostics.length).toBeGreaterThan(0);
  });

  it("an unresolved alias and an alias bomb", () => {
    expect(parseSource("a: *nowhere\n", "/a.yaml").diagnostics.length).toBeGreaterThan(0);
    let bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 9; i++)
      bomb += `l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(", ")}]\n`;
    const p = parseSource(bomb, "/bomb.yaml");
    expect(p.diagnostics.some((d) => /alias/i.test(d.message))).toBe(true);
    // Refused at the alias limit instead of expanded to 10^9 nodes: no value (its time: bench/arazzo-parse.mjs).
    expect(p.diagnostics.map((d) => d.message)).toContainEqual(
      expect.stringContaining("Excessive alias count"),
    );
    expect(p.value).toBeNull();
  });

  it("refuses absurd nesting before the parser can overflow the stack, and accepts deep real documents", () => {
    for (const text of [
      "[".repeat(100_000),
      '[ "]" '.repeat(2000),
      "- ".repeat(5000) + "x",
      "a:\n" + Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i + 1)}k${i}:`).join("\n"),
    ]) {
      const p = parseSource(text, "/deep.yaml");
      expect(p.value).toBeNull();
      expect(p.diagnostics.map((d) => d.message)).toEqual([
        "the document nests more than 400 levels deep",
      ]);
    }
    const flow = parseSource("[".repeat(150) + "]".repeat(150), "/ok.yaml");
    expect(flow.diagnostics).toEqual([]);
    const block = parseSource(
      "a:\n" + Array.from({ length: 90 }, (_, i) => `${"  ".repeat(i + 1)}k${i}:`).join("\n"),
      "/ok.yaml",
    );
    expect(block.diagnostics).toEqual([]);
    expect(block.positionOf(["a", "k0", "k1"], "key")).toEqual({ line: 3, column: 5 });
  });

  it("an empty document is null, with positions at 1:1", () => {
    const p = parseSource("", "/empty.yaml");
    expect(p.value).toBeNull();
    expect(p.diagnostics).toEqual([]);
    expect(p.positionOf(["a", 0])).toEqual({ line: 1, column: 1 });
  });

  it("a byte order mark is not part of the first key", () => {
    const p = parseSource("\uFEFFarazzo: 1.0.1\n", "/bom.yaml");
    expect(p.value).toEqual({ arazzo: "1.0.1" });
  });
});

describe("parseSource never throws (seeded fuzz)", () => {
  const pieces = [
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "-",
    " ",
    "  ",
    "\n",
    "\t",
    '"',
    "'",
    "\\",
    "&a",
    "*a",
    "!!",
    "!x",
    "#",
    "?",
    "|",
    ">",
    "a",
    "b: ",
    "1",
    "x-",
    "~1",
    "\u00e9",
    "\uFEFF",
    "---",
    "...",
    "%YAML 1.2",
    "<<: ",
    '{"k": ',
    '"a": 1',
  ];

  it("2000 random documents: diagnostics or values, positions always valid", () => {
    const next = prng(20240601);
    for (let n = 0; n < 2000; n++) {
      let text = "";
      const length = Math.floor(next() * 40);
      for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)];
      const p = parseSource(text, "/fuzz.yaml");
      for (const d of p.diagnostics) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.column).toBeGreaterThanOrEqual(1);
        expect(typeof d.message).toBe("string");
      }
      const where = p.positionOf(["a", 0, "b"], next() < 0.5 ? "key" : "value");
      expect(where.line).toBeGreaterThanOrEqual(1);
      expect(where.column).toBeGreaterThanOrEqual(1);
    }
  });
});
