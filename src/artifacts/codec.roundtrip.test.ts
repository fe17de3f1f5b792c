import { describe, expect, it } from "vitest";
import { errorOf } from "../core/error-of.test-helper.js";
import { decodeValue, encodeValue, refOf, type EncodedValue } from "./codec.js";

// None of the values here is tabular, so encoding and decoding answer synchronously.
const encode = (...args: Parameters<typeof encodeValue>) => encodeValue(...args) as EncodedValue;
const decode = (...args: Parameters<typeof decodeValue>) => decodeValue(...args) as unknown;

const roundTrip = (value: unknown) => decode(encode(value, "s"));


describe("encodeValue / decodeValue", () => {
  it("round-trips plain JSON unchanged", () => {
    const value = { a: [1, 2, { b: "x" }], c: null, d: true, e: -1.5 };
    const encoded = encode(value, "s");
    expect(encoded).toEqual({ kind: "json", text: JSON.stringify(value) });
    expect(decode(encoded)).toEqual(value);
  });

  it("round-trips values JSON cannot hold", () => {
    const value = {
      nan: NaN,
      inf: Infinity,
      ninf: -Infinity,
      holes: [1, undefined, 3],
      big: 12345678901234567890n,
      when: new Date("2026-01-02T03:04:05.000Z"),
      bytes: Buffer.from("hi"),
      map: new Map<string, unknown>([["k", new Date(0)]]),
      set: new Set([1, 2]),
      tricky: { $sluice: "date", v: "not a tag" },
    };
    const back = roundTrip(value) as typeof value;
    expect(back.nan).toBeNaN();
    expect(back.inf).toBe(Infinity);
    expect(back.ninf).toBe(-Infinity);
    expect(back.holes).toEqual([1, undefined, 3]);
    expect(back.big).toBe(12345678901234567890n);
    expect(back.when).toEqual(value.when);
    expect(Buffer.from(back.bytes).toString()).toBe("hi");
    expect(back.map).toEqual(value.map);
    expect(back.set).toEqual(value.set);
    expect(back.tricky).toEqual(value.tricky);
    expect(roundTrip(undefined)).toBeUndefined();
  });

  it("stores top-level bytes as a blob", () => {
    const encoded = encode(Buffer.from([1, 2, 3]), "s");
    expect(encoded.kind).toBe("blob");
    expect([...(decode(encoded) as Buffer)]).toEqual([1, 2, 3]);
  });

  it("refuses class instances, functions, symbols and cycles, naming the step and the path", () => {
    class Model {
      weights = [1];
    }
    const instance = errorOf(() => encode({ nested: { model: new Model() } }, "train"));
    expect(instance.code).toBe("unstorable-output");
    expect(instance.message).toContain('step "train"');
    expect(instance.message).toContain("Model");
    expect(instance.message).toContain("nested.model");
    expect(errorOf(() => encode({ f: () => 1 }, "s")).message).toContain("function");
    expect(errorOf(() => encode([Symbol("x")], "s")).message).toContain("symbol");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errorOf(() => encode(cyclic, "s")).message).toContain("circular");
  });

  it("stores class instances through a serializer", () => {
    class Model {
      constructor(readonly weights: number[]) {}
    }
    const serializer = { encode: (m: Model) => ({ w: m.weights }), decode: (s: unknown) => new Model((s as { w: number[] }).w) };
    const back = decode(encode(new Model([1, 2]), "s", serializer as never), serializer as never);
    expect(back).toBeInstanceOf(Model);
    expect((back as Model).weights).toEqual([1, 2]);
  });

  it("addresses content by hash: same content, same ref; size in bytes", () => {
    const a = refOf(encode({ x: "é" }, "s"));
    const b = refOf(encode({ x: "é" }, "t"));
    expect(a).toEqual(b);
    expect(a.size).toBe(Buffer.byteLength('{"x":"é"}'));
    expect(refOf(encode({ x: 1 }, "s")).hash).not.toBe(a.hash);
  });
});
