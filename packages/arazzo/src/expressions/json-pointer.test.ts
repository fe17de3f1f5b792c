import { describe, expect, it } from "vitest";
import { formatPointer, parsePointer, resolvePointer } from "./json-pointer.js";
import { errorOf } from "../../../../test/support/error-of.js";

// The example document of RFC 6901 §5.
const RFC_DOC = {
  foo: ["bar", "baz"],
  "": 0,
  "a/b": 1,
  "c%d": 2,
  "e^f": 3,
  "g|h": 4,
  "i\\j": 5,
  'k"l': 6,
  " ": 7,
  "m~n": 8,
};

describe("parsePointer", () => {
  it("splits and decodes tokens", () => {
    expect(parsePointer("")).toEqual([]);
    expect(parsePointer("/")).toEqual([""]);
    expect(parsePointer("/a/b~1c")).toEqual(["a", "b/c"]);
    expect(parsePointer("/m~0n")).toEqual(["m~n"]);
    expect(parsePointer("//x/")).toEqual(["", "x", ""]);
    expect(parsePointer("/é/ /%25")).toEqual(["é", " ", "%25"]);
  });

  it("decodes ~01 as ~1, not as / (RFC 6901 §4 order)", () => {
    expect(parsePointer("/~01")).toEqual(["~1"]);
    expect(parsePointer("/~10")).toEqual(["/0"]);
    expect(parsePointer("/~0~1~1~0")).toEqual(["~//~"]);
  });

  it("rejects a pointer not starting with /", () => {
    const error = errorOf(() => parsePointer("a/b"));
    expect(error.code).toBe("invalid-expression");
    expect(error.details?.offset).toBe(0);
    expect(error.message).toMatch(/must start with "\/".*write "\/a\/b"/);
  });

  it.each([
    ["/~", 1],
    ["/a~2", 2],
    ["/ab/~x", 4],
    ["/~0~", 3],
  ])("rejects the bad escape in %j at offset %i", (pointer, offset) => {
    const error = errorOf(() => parsePointer(pointer));
    expect(error.code).toBe("invalid-expression");
    expect(error.details?.offset).toBe(offset);
    expect(error.message).toMatch(/"~0" for "~" and "~1" for "\/"/);
  });

  it("adds the base offset to error positions", () => {
    expect(errorOf(() => parsePointer("/a~", 10)).details?.offset).toBe(12);
    expect(errorOf(() => parsePointer("x", 7)).details?.offset).toBe(7);
  });
});

describe("resolvePointer", () => {
  it("resolves every pointer of RFC 6901 §5", () => {
    const cases: Array<[string, unknown]> = [
      ["", RFC_DOC],
      ["/foo", ["bar", "baz"]],
      ["/foo/0", "bar"],
      ["/", 0],
      ["/a~1b", 1],
      ["/c%d", 2],
      ["/e^f", 3],
      ["/g|h", 4],
      ["/i\\j", 5],
      ['/k"l', 6],
      ["/ ", 7],
      ["/m~0n", 8],
    ];
    for (const [pointer, value] of cases)
      expect(resolvePointer(RFC_DOC, parsePointer(pointer))).toEqual({ found: true, value });
  });

  it("finds falsy values and null", () => {
    expect(resolvePointer({ a: null }, ["a"])).toEqual({ found: true, value: null });
    expect(resolvePointer({ a: false }, ["a"])).toEqual({ found: true, value: false });
    expect(resolvePointer([0], ["0"])).toEqual({ found: true, value: 0 });
  });

  it("uses only canonical, in-range array indices", () => {
    const list = ["a", "b"];
    expect(resolvePointer(list, ["1"])).toEqual({ found: true, value: "b" });
    expect(resolvePointer(list, ["2"])).toEqual({ found: false });
    expect(resolvePointer(list, ["-"])).toEqual({ found: false });
    expect(resolvePointer(list, ["01"])).toEqual({ found: false });
    expect(resolvePointer(list, ["-1"])).toEqual({ found: false });
    expect(resolvePointer(list, ["1.0"])).toEqual({ found: false });
    expect(resolvePointer(list, ["length"])).toEqual({ found: false });
    expect(resolvePointer(list, [""])).toEqual({ found: false });
  });

  it("does not find holes in sparse arrays", () => {
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    expect(resolvePointer(sparse, ["1"])).toEqual({ found: false });
    expect(resolvePointer(sparse, ["2"])).toEqual({ found: true, value: 3 });
  });

  it("never reads inherited properties", () => {
    for (const key of ["__proto__", "constructor", "toString", "hasOwnProperty", "prototype"]) {
      expect(resolvePointer({}, [key])).toEqual({ found: false });
      expect(resolvePointer({ a: {} }, ["a", key])).toEqual({ found: false });
    }
    expect(resolvePointer([], ["constructor"])).toEqual({ found: false });
    expect(resolvePointer(Object.create({ inherited: 1 }), ["inherited"])).toEqual({
      found: false,
    });
  });

  it("finds own keys named like prototype members", () => {
    const parsed = JSON.parse('{"__proto__": {"x": 1}, "constructor": 2}') as unknown;
    expect(resolvePointer(parsed, ["__proto__", "x"])).toEqual({ found: true, value: 1 });
    expect(resolvePointer(parsed, ["constructor"])).toEqual({ found: true, value: 2 });
  });

  it("does not step into primitives", () => {
    expect(resolvePointer("abc", ["0"])).toEqual({ found: false });
    expect(resolvePointer("abc", ["length"])).toEqual({ found: false });
    expect(resolvePointer({ a: 1 }, ["a", "b"])).toEqual({ found: false });
    expect(resolvePointer(null, ["a"])).toEqual({ found: false });
    expect(resolvePointer(undefined, [])).toEqual({ found: true, value: undefined });
  });
});

describe("formatPointer", () => {
  it("escapes ~ before / and round-trips with parsePointer", () => {
    expect(formatPointer([])).toBe("");
    expect(formatPointer([""])).toBe("/");
    expect(formatPointer(["a/b", "m~n", "~1"])).toBe("/a~1b/m~0n/~01");
    for (const tokens of [["x"], ["", ""], ["/~", "~/"], ["é", " ", "0"]])
      expect(parsePointer(formatPointer(tokens))).toEqual(tokens);
  });
});
