import { describe, expect, it } from "vitest";
import { errorOf } from "../../../../test/support/error-of.js";
import type { Serializer } from "../core/index.js";
import { decodeValue, encodeValue, refOf, type EncodedValue } from "./codec.js";

// Encoding may be asynchronous (datasets load Arrow first): await both sides.
const encode = async (
  value: unknown,
  step = "s",
  serializer?: Serializer<unknown>,
): Promise<EncodedValue> => await encodeValue(value, step, serializer);
const roundTrip = async (value: unknown): Promise<unknown> =>
  await decodeValue(await encode(value));
const textOf = (encoded: EncodedValue) => (encoded.kind === "json" ? encoded.text : "");

describe("encodeValue / decodeValue: round trips", () => {
  it("stores plain JSON as is", async () => {
    const value = { a: [1, 2, { b: "x" }], c: null, d: true, e: -1.5, f: "é" };
    const encoded = await encode(value);
    expect(encoded).toEqual({ kind: "json", text: JSON.stringify(value) });
    expect(await decodeValue(encoded)).toEqual(value);
  });

  it.each([
    ["a string", "hello"],
    ["a number", 42.5],
    ["zero", 0],
    ["true", true],
    ["null", null],
    ["an empty object", {}],
    ["an empty array", []],
    ["nested arrays", [[1, [2, [3, []]]], ["a"]]],
    ["nested objects", { a: { b: { c: { d: [{ e: 1 }, 2] } } } }],
  ])("round-trips %s", async (_, value) => {
    expect(await roundTrip(value)).toEqual(value);
  });

  it("round-trips NaN, Infinity and -Infinity, at the top and nested", async () => {
    expect(await roundTrip(NaN)).toBeNaN();
    expect(await roundTrip(Infinity)).toBe(Infinity);
    expect(await roundTrip(-Infinity)).toBe(-Infinity);
    const value = { nan: NaN, inf: [Infinity], ninf: { deep: -Infinity } };
    expect(await roundTrip(value)).toEqual(value);
  });

  it("round-trips -0", async () => {
    expect(Object.is(await roundTrip(-0), -0)).toBe(true);
    expect(Object.is(((await roundTrip({ x: [-0] })) as { x: number[] }).x[0], -0)).toBe(true);
  });

  it("round-trips undefined, at the top and inside arrays", async () => {
    expect(await roundTrip(undefined)).toBeUndefined();
    expect(await roundTrip([1, undefined, 3])).toEqual([1, undefined, 3]);
    expect(await roundTrip({ xs: [undefined] })).toEqual({ xs: [undefined] });
  });

  it("round-trips bigint", async () => {
    expect(await roundTrip(12345678901234567890n)).toBe(12345678901234567890n);
    expect(await roundTrip({ big: [-5n, 0n] })).toEqual({ big: [-5n, 0n] });
  });

  it("round-trips Dates, valid and invalid", async () => {
    const when = new Date("2026-01-02T03:04:05.678Z");
    const back = await roundTrip(when);
    expect(back).toBeInstanceOf(Date);
    expect(back).toEqual(when);
    expect(await roundTrip({ when: [when] })).toEqual({ when: [when] });
    const invalid = (await roundTrip(new Date(NaN))) as Date;
    expect(invalid).toBeInstanceOf(Date);
    expect(invalid.getTime()).toBeNaN();
  });

  it("stores a top-level Buffer as a blob", async () => {
    const encoded = await encode(Buffer.from([1, 2, 3]));
    expect(encoded.kind).toBe("blob");
    const back = await decodeValue(encoded);
    expect(Buffer.isBuffer(back)).toBe(true);
    expect(back).toEqual(Buffer.from([1, 2, 3]));
  });

  it("tags a nested Buffer inside JSON", async () => {
    const value = { name: "x", bytes: Buffer.from("hello") };
    const encoded = await encode(value);
    expect(encoded.kind).toBe("json");
    expect(textOf(encoded)).toContain('"$sluice":"bytes"');
    const back = (await decodeValue(encoded)) as typeof value;
    expect(back).toEqual(value);
    expect(Buffer.isBuffer(back.bytes)).toBe(true);
  });

  it("round-trips Maps and Sets, with special keys and values", async () => {
    const map = new Map<unknown, unknown>([
      ["k", 1],
      [new Date(0), new Set([1n, NaN])],
      [2, { nested: new Map([["a", [undefined]]]) }],
    ]);
    const back = (await roundTrip(map)) as Map<unknown, unknown>;
    expect(back).toBeInstanceOf(Map);
    expect(back).toEqual(map);
    expect([...back.keys()][1]).toEqual(new Date(0));
    const set = new Set<unknown>(["a", 1, { b: 2 }]);
    expect(await roundTrip(set)).toEqual(set);
    expect(await roundTrip({ m: new Map(), s: new Set() })).toEqual({ m: new Map(), s: new Set() });
  });

  it("round-trips objects of the user's own that have a $sluice key", async () => {
    const values = [
      { $sluice: "date", v: "not a tag" },
      { $sluice: "nan" },
      { $sluice: "undefined", other: 1 },
      { wrapper: { $sluice: "inf" } },
      [{ $sluice: "bigint", v: "1" }],
      new Map([["k", { $sluice: "map", v: [] }]]),
      { $sluice: "object", v: [["a", 1]] },
    ];
    for (const value of values) expect(await roundTrip(value)).toEqual(value);
  });

  it("keeps the prototype and own keys of an object that needs tags", async () => {
    const value = { plain: 1, n: NaN };
    const back = (await roundTrip(value)) as object;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(["plain", "n"]);
  });

  it("gives back an explicit undefined in an array, not a hole", async () => {
    const back = (await roundTrip([1, undefined, 3])) as unknown[];
    expect(1 in back).toBe(true);
    expect(back.map((x) => x ?? 0)).toEqual([1, 0, 3]);
    expect(back).toStrictEqual([1, undefined, 3]);
  });

  it("gives back holes of a sparse array as undefined, not null", async () => {
    const sparse: unknown[] = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const back = (await roundTrip(sparse)) as unknown[];
    expect(back[1]).toBeUndefined();
    expect(await roundTrip({ slots: new Array(2) })).toEqual({ slots: [undefined, undefined] });
  });

  it("keeps an own __proto__ key when the object needs tags", async () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "n": 1}') as Record<string, unknown>;
    value.n = NaN;
    const back = (await roundTrip(value)) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(["__proto__", "n"]);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  it("keeps an own __proto__ key of plain JSON", async () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "n": 1}') as Record<string, unknown>;
    const back = (await roundTrip(value)) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(["__proto__", "n"]);
  });
});

describe("encodeValue: refusals", () => {
  it("refuses a class instance, naming the step, the class and the path", async () => {
    class Model {
      weights = [1];
    }
    const error = errorOf(() => encodeValue({ nested: { model: new Model() } }, "train"));
    expect(error.code).toBe("unstorable-output");
    expect(error.message).toContain('step "train"');
    expect(error.message).toContain("Model");
    expect(error.message).toContain("nested.model");
    expect(error.message).toContain("serializer");
    expect(error.step).toBe("train");
    expect(error.details?.path).toBe("nested.model");
    expect(error.retryable).toBe(false);
    const top = errorOf(() => encodeValue(new Model(), "train"));
    expect(top.code).toBe("unstorable-output");
    expect(top.message).toContain("Model");
  });

  it("refuses a function, naming the step and the path", () => {
    const error = errorOf(() => encodeValue({ cfg: { fn: () => 1 } }, "build"));
    expect(error.code).toBe("unstorable-output");
    expect(error.message).toContain('step "build"');
    expect(error.message).toContain("function");
    expect(error.message).toContain("cfg.fn");
  });

  it("refuses a symbol, naming the step and the path", () => {
    const error = errorOf(() => encodeValue({ list: [1, Symbol("x")] }, "sym"));
    expect(error.code).toBe("unstorable-output");
    expect(error.message).toContain('step "sym"');
    expect(error.message).toContain("symbol");
    expect(error.message).toContain("list[1]");
  });

  it("refuses a circular reference, naming the step and the path", () => {
    const cyclic: Record<string, unknown> = { inner: {} };
    (cyclic.inner as Record<string, unknown>).back = cyclic;
    const error = errorOf(() => encodeValue(cyclic, "loop"));
    expect(error.code).toBe("unstorable-output");
    expect(error.message).toContain('step "loop"');
    expect(error.message).toContain("circular");
    expect(error.message).toContain("inner.back");
  });

  it("accepts the same object twice when it is not circular", async () => {
    const shared = { a: 1 };
    expect(await roundTrip({ x: shared, y: shared, n: NaN })).toEqual({
      x: { a: 1 },
      y: { a: 1 },
      n: NaN,
    });
  });

  it("refuses values nested in Maps and Sets", () => {
    class Thing {}
    expect(errorOf(() => encodeValue(new Map([["k", new Thing()]]), "m")).code).toBe(
      "unstorable-output",
    );
    expect(errorOf(() => encodeValue(new Set([() => 1]), "m")).code).toBe("unstorable-output");
  });
});

describe("encodeValue / decodeValue: serializers", () => {
  class Model {
    constructor(readonly weights: number[]) {}
  }
  const serializer: Serializer<unknown> = {
    encode: (m) => ({ w: (m as Model).weights }),
    decode: (s) => new Model((s as { w: number[] }).w),
  };

  it("stores a class instance through the step's serializer", async () => {
    const encoded = await encode(new Model([1, 2]), "s", serializer);
    expect(encoded).toEqual({ kind: "json", text: '{"w":[1,2]}' });
    const back = await decodeValue(encoded, serializer);
    expect(back).toBeInstanceOf(Model);
    expect((back as Model).weights).toEqual([1, 2]);
  });

  it("stores bytes from a serializer as a blob and gives them to decode", async () => {
    const bytesSerializer: Serializer<unknown> = {
      encode: (m) => Buffer.from(JSON.stringify((m as Model).weights)),
      decode: (b) => new Model(JSON.parse((b as Buffer).toString()) as number[]),
    };
    const encoded = await encode(new Model([3]), "s", bytesSerializer);
    expect(encoded.kind).toBe("blob");
    expect(((await decodeValue(encoded, bytesSerializer)) as Model).weights).toEqual([3]);
  });

  it("reports a serializer that throws, naming the step", () => {
    const failing: Serializer<unknown> = {
      encode: () => {
        throw new Error("boom");
      },
      decode: (s) => s,
    };
    const error = errorOf(() => encodeValue(new Model([1]), "fit", failing));
    expect(error.code).toBe("unstorable-output");
    expect(error.message).toContain('step "fit"');
    expect(error.message).toContain("boom");
  });
});

describe("refOf", () => {
  it("gives the same ref for the same content, whatever step made it", async () => {
    const a = refOf(await encode({ x: "é" }, "s"));
    const b = refOf(await encode({ x: "é" }, "t"));
    expect(a).toEqual(b);
    expect(a.kind).toBe("json");
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(refOf(await encode({ x: 1 })).hash).not.toBe(a.hash);
  });

  it("measures size in bytes, not characters", async () => {
    const text = refOf(await encode({ x: "é" }));
    expect(text.size).toBe(Buffer.byteLength('{"x":"é"}'));
    expect(text.size).toBe(10);
    const blob = refOf(await encode(Buffer.alloc(1234)));
    expect(blob).toMatchObject({ kind: "blob", size: 1234 });
  });
});
