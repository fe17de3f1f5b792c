/**
 * Which values of an Arazzo run are secret, and masking them wherever a run is recorded or shown
 * (logs, step records, errors, `show`, the steps of a JSON result). Declared workflow outputs are
 * returned as they are: the user asked for them.
 *
 * Secret: an input whose name matches SECRET_NAME, or whose schema says `format: password`,
 * `writeOnly: true` or `x-sluice-secret: true`; and the values sent in Authorization, Cookie,
 * X-API-Key (and Proxy-Authorization) headers, wherever they came from (a token a login step
 * returned is masked once it is sent).
 */
import { MASK, maskText } from "sluice/internal";

export const SECRET_NAME = /token|secret|password|apikey|api_key|authorization/i;
const SECRET_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
]);

/** Whether a header's value is always masked. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

/** Whether an input (by name and property schema) is secret. */
export function isSecretInput(name: string, schema: unknown): boolean {
  if (SECRET_NAME.test(name)) return true;
  if (typeof schema !== "object" || schema === null) return false;
  const s = schema as Record<string, unknown>;
  return s.format === "password" || s.writeOnly === true || s["x-sluice-secret"] === true;
}

/** Masks known secret values in text and values; learns new ones as the run sends them. */
export class Masker {
  private readonly values: string[] = [];

  constructor(values: Iterable<unknown> = []) {
    for (const value of values) this.add(value);
  }

  get empty(): boolean {
    return this.values.length === 0;
  }

  /** Adds a secret value (strings, and numbers as they are written); `Bearer abc` also adds `abc`. */
  add(value: unknown): void {
    if (typeof value === "number" || typeof value === "bigint") value = String(value);
    if (typeof value !== "string" || value.length === 0 || this.values.includes(value)) return;
    this.values.push(value);
    const credential = /^[A-Za-z][\w-]*\s+(\S.*)$/.exec(value)?.[1];
    if (credential !== undefined && credential.length >= 4) this.add(credential);
    // Longest first, so a value containing another is masked whole.
    this.values.sort((a, b) => b.length - a.length);
  }

  /** Learns the values of secret headers a request sends. */
  learnHeaders(headers: Record<string, string>): void {
    for (const [name, value] of Object.entries(headers)) if (isSecretHeader(name)) this.add(value);
  }

  text(text: string): string {
    return this.values.length === 0 ? text : maskText(text, this.values);
  }

  /** A copy of `value` with secrets masked in every string (keys included). */
  value<T>(value: T): T {
    if (this.values.length === 0) return value;
    return this.deep(value, 0) as T;
  }

  /** Header fields for a log: secret headers' values replaced whole, others masked as text. */
  headers(headers: Record<string, string> | Iterable<[string, string]>): Record<string, string> {
    const out: Record<string, string> = {};
    const entries =
      Symbol.iterator in headers
        ? (headers as Iterable<[string, string]>)
        : Object.entries(headers);
    for (const [name, value] of entries) out[name] = isSecretHeader(name) ? MASK : this.text(value);
    return out;
  }

  private deep(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.text(value);
    if (typeof value !== "object" || value === null || depth > 64) return value;
    if (Array.isArray(value)) return value.map((item) => this.deep(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[this.text(key)] = this.deep(item, depth + 1);
    return out;
  }
}
