/**
 * The request body limit. A body over the limit is read to its end and dropped before the 413 is
 * sent, so that the client (still sending) gets the answer instead of a reset, and its connection
 * stays usable (keep-alive). A body larger still is not waited for: that 413 says `Connection: close`,
 * and the connection is closed after it.
 */
import type { Context, MiddlewareHandler } from "hono";

/** Up to this much of a too-large body is read and dropped. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

export function bodyLimit(maxBytes: number, tooLarge: (c: Context) => Response): MiddlewareHandler {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.header("content-length");
    if (declared !== undefined && c.req.header("transfer-encoding") === undefined) {
      const length = Number(declared);
      if (length <= maxBytes) return next();
      return refuse(c, length > DRAIN_LIMIT_BYTES ? undefined : body.getReader(), tooLarge);
    }
    // No declared length (chunked): read up to the limit, then hand on what was read.
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) return refuse(c, reader, tooLarge);
      chunks.push(value);
    }
    c.req.raw = new Request(c.req.raw, { body: concat(chunks, size) });
    return next();
  };
}

/** The 413, once the rest of the body was dropped; `Connection: close` when it was not (too large, or no reader). */
async function refuse(
  c: Context,
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined,
  tooLarge: (c: Context) => Response,
): Promise<Response> {
  const drained = reader !== undefined && (await drain(reader));
  const response = tooLarge(c);
  if (!drained) response.headers.set("connection", "close");
  return response;
}

/** Reads the body to its end; false when it is longer than the drain limit or the client went away. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<boolean> {
  let read = 0;
  try {
    while (read <= DRAIN_LIMIT_BYTES) {
      const { done, value } = await reader.read();
      if (done) return true;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away: nothing to answer.
  }
  return false;
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
