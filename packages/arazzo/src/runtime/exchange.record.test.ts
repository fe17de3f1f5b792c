import { describe, expect, it } from "vitest";
import { exchangeOf, maskExchange, MAX_EXCHANGE_BODY } from "./exchange.js";
import { Masker } from "./secrets.js";

describe("HTTP exchanges on step records", () => {
  it("cut bodies at 64 KiB, name binary bodies by size, and mask secrets in URL, headers, bodies and errors", () => {
    const big = "x".repeat(MAX_EXCHANGE_BODY + 10);
    const headers = new Map([
      ["set-cookie", "sid=abc"],
      ["x-id", "pw-77"],
    ]);
    const exchange = exchangeOf(
      {
        method: "POST",
        url: "http://h/a?key=pw-77",
        headers: { Authorization: "Bearer t", Accept: "*/*" },
        body: new Uint8Array(5),
      },
      { status: 200, headers: headers as never, body: big, text: big, durationMs: 1 },
      undefined,
      [],
    );
    expect(exchange.request.body).toBe("<5 bytes>");
    expect(exchange.response!.body!.length).toBeLessThan(MAX_EXCHANGE_BODY + 40);
    expect(exchange.response!.body!.endsWith(`(${big.length} characters)`)).toBe(true);
    const masked = maskExchange(exchange, new Masker(["pw-77"]));
    expect(masked.request.url).toBe("http://h/a?key=***");
    expect(masked.request.headers).toEqual({ Authorization: "***", Accept: "*/*" });
    expect(masked.response!.headers).toEqual({ "set-cookie": "***", "x-id": "***" });
    const failed = maskExchange(
      exchangeOf(
        { method: "GET", url: "http://h/", headers: {} },
        undefined,
        new Error("refused pw-77"),
        [],
      ),
      new Masker(["pw-77"]),
    );
    expect(failed).toEqual({
      request: { method: "GET", url: "http://h/", headers: {} },
      criteria: [],
      error: "refused ***",
    });
  });
});
