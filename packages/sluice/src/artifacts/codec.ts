import { SluiceError, sha256, type MaybePromise, type Serializer } from "../core/index.js";
import {
  arrowBytesToTable,
  arrowToRecords,
  inferRecordsInfo,
  isArrowTable,
  isRecordTable,
  recordsToArrow,
  tableToArrow,
  withArrow,
  type DatasetInfo,
} from "./dataset.js";
import { describedInfoOf, isParquetDataset, parquetDataset } from "./parquet-dataset.js";

/**
 * A step output turned into what is stored: JSON text; raw bytes for Buffers and Uint8Arrays; Arrow
 * IPC bytes for datasets, given back as records (an array of flat records) or as an Arrow table;
 * Parquet bytes for a Parquet dataset. `info` describes a dataset's rows and columns.
 */
export type EncodedValue =
  | { readonly kind: "json"; readonly text: string; readonly info?: DatasetInfo }
  | {
      readonly kind: "blob" | "records" | "table" | "parquet";
      readonly bytes: Uint8Array;
      readonly info?: DatasetInfo;
    };

export type ArtifactKind = EncodedValue["kind"];

/** How a stored output is found again: its content hash, kind and size in bytes. */
export interface ArtifactRef {
  readonly hash: string;
  readonly kind: ArtifactKind;
  readonly size: number;
}

const TAG = "$sluice";

/**
 * Encodes a step's output so that decoding gives back an equal value. Plain JSON is stored as is;
 * NaN, ±Infinity, undefined in arrays, bigint, Date, bytes, Map and Set are tagged. Anything else
 * (class instances, functions, symbols, cycles) is refused with an error naming the step and where
 * in the value it sits, unless the step declares a serializer.
 */
export function encodeValue(
  value: unknown,
  step: string,
  serializer?: Serializer<unknown>,
): MaybePromise<EncodedValue> {
  let stored = value;
  if (serializer) {
    try {
      stored = serializer.encode(value);
    } catch (error) {
      throw new SluiceError(
        "unstorable-output",
        `step "${step}": its serializer's encode() failed: ${(error as Error)?.message ?? String(error)}`,
        { step, cause: error },
      );
    }
  }
  if (stored instanceof Uint8Array) return { kind: "blob", bytes: stored };
  if (!serializer) {
    if (isParquetDataset(stored))
      return {
        kind: "parquet",
        bytes: stored.bytes,
        ...(stored.info ? { info: stored.info } : {}),
      };
    if (isArrowTable(stored)) {
      const table = stored;
      return withArrow((): EncodedValue => {
        const { bytes, info } = tableToArrow(table);
        return { kind: "table", bytes, info };
      });
    }
    if (isRecordTable(stored)) {
      const records = stored;
      return withArrow((): EncodedValue => {
        const arrow = recordsToArrow(records);
        if (arrow) return { kind: "records", bytes: arrow.bytes, info: arrow.info };
        return { kind: "json", text: JSON.stringify(records), info: inferRecordsInfo(records) };
      });
    }
  }
  if (serializer) {
    // What a serializer returns is plain JSON by contract (toJSON methods apply, as in JSON.stringify).
    let text: string | undefined;
    try {
      text = JSON.stringify(stored);
    } catch (error) {
      throw new SluiceError(
        "unstorable-output",
        `step "${step}": its serializer's encode() returned a value JSON cannot hold: ${(error as Error).message}`,
        { step, cause: error },
      );
    }
    if (text === undefined)
      throw new SluiceError(
        "unstorable-output",
        `step "${step}": its serializer's encode() returned nothing; return JSON-able data or bytes.`,
        { step },
      );
    return { kind: "json", text };
  }
  const special = needsTags(stored, step, "", new Set());
  const text = JSON.stringify(special ? tag(stored) : stored);
  const info = describedInfoOf(stored);
  return {
    kind: "json",
    text: text === undefined ? `{"${TAG}":"undefined"}` : text,
    ...(info ? { info } : {}),
  };
}

export function decodeValue(
  encoded: EncodedValue,
  serializer?: Serializer<unknown>,
): MaybePromise<unknown> {
  if (encoded.kind !== "json") {
    const { bytes } = encoded;
    if (encoded.kind === "records")
      return withArrow(() => arrowToRecords(arrowBytesToTable(bytes)));
    if (encoded.kind === "table") return withArrow(() => arrowBytesToTable(bytes));
    if (encoded.kind === "parquet") return parquetDataset(bytes, encoded.info);
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return serializer ? serializer.decode(buffer) : buffer;
  }
  return serializer ? serializer.decode(JSON.parse(encoded.text)) : parseJson(encoded.text);
}

/**
 * A content hash of a value that is part of a step's output (one field of it), for the cache keys of
 * steps that read only that field. Undefined for values it does not hash (Arrow tables, unstorable
 * values): their consumers are keyed on the whole output instead.
 */
export function contentHashOf(value: unknown): string | undefined {
  if (value instanceof Uint8Array) return sha256(value);
  if (isParquetDataset(value)) return sha256(value.bytes);
  if (isArrowTable(value)) return undefined;
  try {
    const special = needsTags(value, "", "", new Set());
    return sha256(JSON.stringify(special ? tag(value) : value) ?? "undefined");
  } catch {
    return undefined;
  }
}

/** References already computed, by encoded value: the engine and the store both ask, and a large value's hash is not free. */
const refs = new WeakMap<EncodedValue, ArtifactRef>();

export function refOf(encoded: EncodedValue): ArtifactRef {
  let ref = refs.get(encoded);
  if (ref) return ref;
  ref =
    encoded.kind === "json"
      ? { hash: sha256(encoded.text), kind: "json", size: Buffer.byteLength(encoded.text) }
      : { hash: sha256(encoded.bytes), kind: encoded.kind, size: encoded.bytes.byteLength };
  refs.set(encoded, ref);
  return ref;
}

function parseJson(text: string): unknown {
  return text.includes(`"${TAG}"`) ? JSON.parse(text, untag) : JSON.parse(text);
}

/** Walks the value; true when some part needs a tag. Throws for parts that cannot be stored. */
function needsTags(value: unknown, step: string, path: string, ancestors: Set<object>): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return false;
    case "number":
      return !Number.isFinite(value) || Object.is(value, -0);
    case "undefined":
    case "bigint":
      return true;
    case "function":
    case "symbol":
      throw unstorable(step, path, `a ${typeof value}`);
  }
  if (value === null) return false;
  const object = value as object;
  if (object instanceof Date || object instanceof Uint8Array) return true;
  if (ancestors.has(object)) throw unstorable(step, path, "a circular reference");
  ancestors.add(object);
  let special = false;
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      const item: unknown = object[i];
      if (item === undefined || needsTags(item, step, `${path}[${i}]`, ancestors)) special = true;
    }
  } else if (object instanceof Map || object instanceof Set) {
    special = true;
    for (const [key, item] of object instanceof Map ? object.entries() : [...object].entries()) {
      needsTags(key, step, `${path}<key>`, ancestors);
      needsTags(item, step, `${path}<entry>`, ancestors);
    }
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (proto as { constructor?: { name?: string } })?.constructor?.name ?? "object";
      throw unstorable(step, path, `an instance of ${kind}`);
    }
    for (const key of Object.keys(object)) {
      if (key === TAG) special = true;
      const member = (object as Record<string, unknown>)[key];
      if (member !== undefined && needsTags(member, step, path ? `${path}.${key}` : key, ancestors))
        special = true;
    }
  }
  ancestors.delete(object);
  return special;
}

function unstorable(step: string, path: string, what: string): SluiceError {
  const where = path ? `at ${path}` : "as its value";
  return new SluiceError(
    "unstorable-output",
    `step "${step}" returned ${what} ${where}, which cannot be stored faithfully. Return plain data (objects, arrays, numbers, strings, Dates, Buffers, Maps, Sets), or declare a serializer on the step: serializer: { encode: (v) => ..., decode: (s) => ... }.`,
    { step, retryable: false, details: { path } },
  );
}

/** A copy of the value with special parts replaced by { $sluice: kind, v } objects. */
function tag(value: unknown): unknown {
  if (value === undefined) return { [TAG]: "undefined" };
  if (typeof value === "number") {
    if (Number.isNaN(value)) return { [TAG]: "nan" };
    if (value === Infinity) return { [TAG]: "inf" };
    if (value === -Infinity) return { [TAG]: "-inf" };
    if (Object.is(value, -0)) return { [TAG]: "-0" };
    return value;
  }
  if (typeof value === "bigint") return { [TAG]: "bigint", v: value.toString() };
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Date)
    return { [TAG]: "date", v: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (value instanceof Uint8Array)
    return {
      [TAG]: "bytes",
      v: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"),
    };
  // Array.from visits empty slots too (map skips them), so they come back as undefined, not null.
  if (Array.isArray(value)) return Array.from(value, (item) => tag(item));
  if (value instanceof Map)
    return { [TAG]: "map", v: [...value].map(([k, v]) => [tag(k), tag(v)]) };
  if (value instanceof Set) return { [TAG]: "set", v: [...value].map((item) => tag(item)) };
  // No prototype, so that an own "__proto__" key stays a key.
  const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, member] of Object.entries(value))
    if (member !== undefined) copy[key] = tag(member);
  // An object of the user's own with a "$sluice" key: stored as [key, value] pairs so it is not read as a tag.
  return TAG in copy ? { [TAG]: "object", v: Object.entries(copy) } : copy;
}

function untag(this: unknown, _key: string, value: unknown): unknown {
  if (Array.isArray(value)) {
    // JSON.parse deletes an element whose reviver result is undefined; parsed JSON has no other gaps.
    for (let i = 0; i < value.length; i++) if (!(i in value)) value[i] = undefined;
    return value;
  }
  if (typeof value !== "object" || value === null || !(TAG in value)) return value;
  const { [TAG]: kind, v } = value as { [TAG]: string; v?: unknown };
  switch (kind) {
    case "undefined":
      return undefined;
    case "nan":
      return NaN;
    case "inf":
      return Infinity;
    case "-inf":
      return -Infinity;
    case "-0":
      return -0;
    case "bigint":
      return BigInt(v as string);
    case "date":
      return v === null ? new Date(NaN) : new Date(v as string);
    case "bytes":
      return Buffer.from(v as string, "base64");
    case "map":
      return new Map(v as Array<[unknown, unknown]>);
    case "set":
      return new Set(v as unknown[]);
    case "object":
      return Object.fromEntries(v as Array<[string, unknown]>);
    default:
      return value;
  }
}
