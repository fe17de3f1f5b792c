/**
 * An HTTP step's last exchange as its step record keeps it (StepRunRecord.http): the request sent, the
 * response received (or why none came), and each success criterion's result, so that `sluice show`,
 * the API and the web UI can show what was sent and why a criterion held or not. Bodies are capped
 * at 64 KiB; secrets are masked when the record is queued (recorder.ts), so that a secret the run
 * learns from this very response (a login token, sent by the next step) is masked too.
 */
import type { HttpExchange } from "sluice/internal";
import type { HttpResponse } from "./http.js";
import type { BuiltRequest } from "./request.js";
import type { Masker } from "./secrets.js";

/** The longest body an exchange keeps. */
export const MAX_EXCHANGE_BODY = 64 * 1024;

export function exchangeOf(
  request: BuiltRequest,
  response: HttpResponse | undefined,
  failure: Error | undefined,
  criteria: HttpExchange["criteria"],
): HttpExchange {
  const exchange: HttpExchange = {
    request: { method: request.method, url: request.url, headers: { ...request.headers } },
    criteria,
  };
  if (request.body !== undefined)
    exchange.request.body = capBody(
      typeof request.body === "string" ? request.body : `<${request.body.byteLength} bytes>`,
    );
  if (response) {
    exchange.response = { status: response.status, headers: Object.fromEntries(response.headers) };
    if (response.text !== "") exchange.response.body = capBody(response.text);
  } else if (failure) {
    exchange.error = failure.message;
  }
  return exchange;
}

/** The exchange with every secret the run knows masked (secret headers whole). */
export function maskExchange(exchange: HttpExchange, masker: Masker): HttpExchange {
  if (masker.empty) return exchange;
  const { request, response } = exchange;
  const masked: HttpExchange = {
    request: {
      method: request.method,
      url: masker.text(request.url),
      headers: masker.headers(request.headers),
    },
    criteria: exchange.criteria.map((c) => ({ ...c, condition: masker.text(c.condition) })),
  };
  if (request.body !== undefined) masked.request.body = masker.text(request.body);
  if (response) {
    masked.response = { status: response.status, headers: masker.headers(response.headers) };
    if (response.body !== undefined) masked.response.body = masker.text(response.body);
  }
  if (exchange.error !== undefined) masked.error = masker.text(exchange.error);
  return masked;
}

function capBody(text: string): string {
  return text.length > MAX_EXCHANGE_BODY
    ? `${text.slice(0, MAX_EXCHANGE_BODY)}... (${text.length} characters)`
    : text;
}
