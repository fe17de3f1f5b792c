import { describe, expect, it } from "vitest";
import { canonicalJson, hashParts, sha256 } from "./hash.js";

describe("canonicalJson", () => {
  it("sorts object keys recursively, inside arrays too", () => {
    const value = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } };
    expect(canonicalJson(value)).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("gives the same text and hash for the same values written in another key order", () => {
    const one = { rows: 10, model: { depth: 3, kind: "forest", opts: { b: true, a: [1, 2] } } };
    const two = { model: { opts: { a: [1, 2], b: true }, kind: "forest", depth: 3 }, rows: 10 };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
    expect(sha256(canonicalJson(one))).toBe(sha256(canonicalJson(two)));
  });

  it("keeps the order of arrays", () => {
    expect(canonicalJson([2, 1, 3])).toBe("[2,1,3]");
    expect(canonicalJson({ xs: [1, 2] })).not.toBe(canonicalJson({ xs: [2, 1] }));
    expect(canonicalJson([{ b: 1, a: 2 }, { a: 1 }])).toBe('[{"a":2,"b":1},{"a":1}]');
  });

  it("tells different values apart", () => {
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: "1" }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ b: 1 }));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });

  it("is JSON that parses back to the value, for plain JSON values", () => {
    const value = {
      s: 'quote " and \\ and é',
      n: -1.5e-7,
      t: true,
      f: false,
      z: null,
      nested: [[], {}, [{}]],
    };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  it("drops undefined members as JSON does, and writes Dates as ISO text", () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ when: new Date("2026-01-02T03:04:05.000Z") })).toBe(
      '{"when":"2026-01-02T03:04:05.000Z"}',
    );
  });

  it("writes values JSON cannot hold as text instead of failing or writing null", () => {
    expect(canonicalJson(10n)).toBe('"10n"');
    expect(canonicalJson(Infinity)).not.toBe(canonicalJson(-Infinity));
    expect(canonicalJson(NaN)).not.toBe("null");
  });
});

describe("sha256 and hashParts", () => {
  it("computes SHA-256 as lowercase hex", () => {
    expect(sha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256(new TextEncoder().encode("abc"))).toBe(sha256("abc"));
  });

  it("keeps parts apart", () => {
    expect(hashParts(["ab", "c"])).not.toBe(hashParts(["a", "bc"]));
    expect(hashParts(["a", "b"])).toBe(hashParts(["a", "b"]));
  });
});
