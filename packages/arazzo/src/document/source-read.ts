/**
 * Reading a document or source description: a file, or an http(s) URL fetched within a timeout and
 * followed one redirect at a time; at most MAX_SOURCE_BYTES either way.
 */
import { readFile, stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { mayReadFrom } from "./source-address.js";

/** The largest document or source description read (a bigger one is refused, not read to the end). */
export const MAX_SOURCE_BYTES = 32 * 1024 * 1024;

/** What reading needs of a load: the fetch to use, its timeout, and where each text read is kept. */
export interface ReadContext {
  fetch: typeof fetch;
  timeoutMs: number;
  texts: Map<string, string>;
}

export function isHttp(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** RFC 3986 resolution of `reference` against the referring document (Arazzo "Relative References in URLs"). */
export function resolveReference(reference: string, base: string): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(reference)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https" && scheme !== "file") {
    throw new Error(`url scheme "${scheme}:" is not supported`);
  }
  const resolved = new URL(reference, isHttp(base) ? base : pathToFileURL(base));
  resolved.hash = "";
  return resolved.protocol === "file:" ? fileURLToPath(resolved) : resolved.href;
}

export function isLocalAbsolute(url: string): boolean {
  return /^file:/i.test(url) || isAbsolute(url) || /^[a-zA-Z]:[\\/]/.test(url);
}

/** Reads a document: at most MAX_SOURCE_BYTES, and an http(s) one within the timeout, body included. */
export async function readLocation(location: string, ctx: ReadContext): Promise<string> {
  const tooLarge = () =>
    new Error(`it is larger than ${MAX_SOURCE_BYTES / 1024 / 1024} MiB, the most sluice reads`);
  if (!isHttp(location)) {
    if ((await stat(location)).size > MAX_SOURCE_BYTES) throw tooLarge();
    const text = await readFile(location, "utf8");
    ctx.texts.set(location, text);
    return text;
  }
  const signal = AbortSignal.timeout(ctx.timeoutMs);
  const response = await fetchFollowingRedirects(location, ctx, signal);
  if (!response.ok)
    throw new Error(
      `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
    );
  if (Number(response.headers.get("content-length") ?? 0) > MAX_SOURCE_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > MAX_SOURCE_BYTES) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    if (signal.aborted) throw new Error(`it did not arrive within ${ctx.timeoutMs} ms`);
    throw error;
  }
  const text = Buffer.concat(chunks).toString("utf8");
  ctx.texts.set(location, text);
  return text;
}

const MAX_REDIRECTS = 5;

/** Follows redirects one hop at a time, so a public server cannot send sluice to an internal address. */
async function fetchFollowingRedirects(
  location: string,
  ctx: ReadContext,
  signal: AbortSignal,
): Promise<Response> {
  let current = location;
  for (let hop = 0; ; hop++) {
    const response = await ctx.fetch(current, {
      headers: {
        accept: "application/vnd.oai.openapi, application/yaml, application/json;q=0.9, */*;q=0.5",
      },
      signal,
      redirect: "manual",
    });
    const next = response.headers.get("location");
    if (response.status < 300 || response.status > 399 || next === null) return response;
    await response.body?.cancel();
    if (hop === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    const target = new URL(next, current).href;
    if (!isHttp(target)) throw new Error(`it redirects to ${target}, which is not http(s)`);
    if (!mayReadFrom(current, target))
      throw new Error(
        `${current} redirects to ${target}, an address on this machine or a private network, which sluice does not follow`,
      );
    current = target;
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT") return "no such file";
    if (code === "EISDIR") return "it is a directory";
    if (error.name === "TimeoutError") return "timed out";
    return error.message;
  }
  return String(error);
}
