import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isJsonContentType, retryAfterMs, sendRequest } from "./http.js";

let base = "";
const ports: number[] = [];
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  ports.push(req.socket.remotePort ?? 0);
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString();
    switch (req.url) {
      case "/json":
        res.writeHead(200, {
          "content-type": "application/problem+json; charset=utf-8",
          "X-Mixed-Case": "yes",
        });
        return res.end(
          JSON.stringify({
            ok: true,
            got: body,
            method: req.method,
            length: req.headers["content-length"] ?? null,
          }),
        );
      case "/text":
        res.writeHead(200, { "content-type": "text/plain" });
        return res.end("plain words");
      case "/broken":
        res.writeHead(200, { "content-type": "application/json" });
        return res.end("{not json");
      case "/gzip":
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
        return res.end(gzipSync(JSON.stringify({ zipped: true })));
      case "/redirect":
        res.writeHead(302, { location: "/json" });
        return res.end();
      case "/empty":
        res.writeHead(204);
        return res.end();
      case "/slow":
        setTimeout(() => res.end("late"), 500);
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

describe("sendRequest", () => {
  it("reads JSON bodies (any +json type), sends bodies with their length, and looks headers up case-insensitively", async () => {
    const response = await sendRequest({
      url: `${base}/json`,
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: "héllo",
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, got: "héllo", method: "POST", length: "6" });
    expect(response.headers.get("x-mixed-case")).toBe("yes");
    expect(response.headers.get("X-MIXED-CASE")).toBe("yes");
    expect([...response.headers].some(([name]) => name === "x-mixed-case")).toBe(true);
  });

  it("keeps text as text, flags JSON that does not parse, decodes gzip, and gives no body for 204", async () => {
    expect((await sendRequest({ url: `${base}/text`, method: "GET", headers: {} })).body).toBe(
      "plain words",
    );
    const broken = await sendRequest({ url: `${base}/broken`, method: "GET", headers: {} });
    expect(broken).toMatchObject({ body: "{not json", malformedJson: true });
    expect((await sendRequest({ url: `${base}/gzip`, method: "GET", headers: {} })).body).toEqual({
      zipped: true,
    });
    const empty = await sendRequest({ url: `${base}/empty`, method: "GET", headers: {} });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeUndefined();
  });

  it("does not follow redirects", async () => {
    const response = await sendRequest({ url: `${base}/redirect`, method: "GET", headers: {} });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/json");
  });

  it("reuses the connection from call to call", async () => {
    ports.length = 0;
    for (let i = 0; i < 3; i++)
      await sendRequest({ url: `${base}/text`, method: "GET", headers: {} });
    expect(new Set(ports).size).toBe(1);
  });

  it("fails with http-failed (retryable, timedOut) when the attempt times out", async () => {
    const error = await sendRequest(
      { url: `${base}/slow`, method: "GET", headers: {} },
      { timeoutMs: 50 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "http-failed",
      retryable: true,
      details: { timedOut: true },
    });
    expect((error as Error).message).toContain("timed out after 50 ms");
  });

  it("fails with cancelled when the run's signal is aborted", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(
      sendRequest(
        { url: `${base}/slow`, method: "GET", headers: {} },
        { signal: controller.signal },
      ),
    ).rejects.toMatchObject({ code: "cancelled" });
  });

  it("can send through an injected fetch", async () => {
    const seen: string[] = [];
    const fake = (async (url: string | URL | Request) => {
      seen.push(String(url));
      return new Response(JSON.stringify({ fake: true }), {
        status: 201,
        headers: { "content-type": "application/json", "retry-after": "3" },
      });
    }) as typeof fetch;
    const response = await sendRequest(
      { url: "http://example.invalid/x", method: "GET", headers: {} },
      { fetch: fake },
    );
    expect(response).toMatchObject({ status: 201, body: { fake: true } });
    expect(response.headers.get("Retry-After")).toBe("3");
    expect(seen).toEqual(["http://example.invalid/x"]);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2025-03-01T12:00:00Z");
  it("reads delay-seconds and HTTP dates (RFC 9110 §10.2.3)", () => {
    expect(retryAfterMs("3", now)).toBe(3000);
    expect(retryAfterMs(" 0 ", now)).toBe(0);
    expect(retryAfterMs("Sat, 01 Mar 2025 12:00:05 GMT", now)).toBe(5000);
    expect(retryAfterMs("Saturday, 01-Mar-25 12:00:07 GMT", now)).toBe(7000);
    expect(retryAfterMs("Sat Mar  1 12:00:02 2025", now)).toBe(2000); // asctime, which RFC 9110 §5.6.7 still asks recipients to read
    expect(retryAfterMs("Sat, 01 Mar 2025 11:00:00 GMT", now)).toBe(0);
  });

  it("gives undefined for anything else, and never throws (seeded fuzz)", () => {
    for (const bad of [undefined, null, "", "soon", "-1", "1.5", "1e3", "Mon, 99 Foo 2025"])
      expect(retryAfterMs(bad, now)).toBeUndefined();
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = "0123456789 ,:-+ADFGJMNOSTWadehinorstuyMonTueGMT\t\n";
    for (let i = 0; i < 5000; i++) {
      let text = "";
      const length = Math.floor(random() * 40);
      for (let j = 0; j < length; j++) text += alphabet[Math.floor(random() * alphabet.length)];
      const value = retryAfterMs(text, now);
      expect(value === undefined || (Number.isFinite(value) && value >= 0)).toBe(true);
    }
  });
});

describe("isJsonContentType", () => {
  it("accepts application/json and +json types, with parameters", () => {
    for (const type of [
      "application/json",
      "Application/JSON; charset=utf-8",
      "application/problem+json",
      "application/vnd.api+json;v=2",
    ])
      expect(isJsonContentType(type)).toBe(true);
    for (const type of [
      null,
      undefined,
      "",
      "text/json",
      "application/jsonl",
      "application/json-seq",
      "text/plain",
    ])
      expect(isJsonContentType(type)).toBe(false);
  });
});
