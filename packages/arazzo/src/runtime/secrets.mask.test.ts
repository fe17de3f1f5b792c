import { describe, expect, it } from "vitest";
import { Masker, isSecretHeader, isSecretInput } from "./secrets.js";

describe("secrets", () => {
  it("knows secret inputs and headers", () => {
    for (const name of [
      "token",
      "apiToken",
      "client_secret",
      "PASSWORD",
      "apikey",
      "api_key",
      "Authorization",
    ])
      expect(isSecretInput(name, undefined)).toBe(true);
    expect(isSecretInput("user", { type: "string" })).toBe(false);
    expect(isSecretInput("pin", { format: "password" })).toBe(true);
    expect(isSecretInput("pin", { writeOnly: true })).toBe(true);
    expect(isSecretInput("pin", { "x-sluice-secret": true })).toBe(true);
    for (const name of ["Authorization", "cookie", "X-API-Key", "Set-Cookie"])
      expect(isSecretHeader(name)).toBe(true);
    expect(isSecretHeader("X-Trace")).toBe(false);
  });

  it("masks values in text, deep values (keys too) and headers; longest values first", () => {
    const masker = new Masker(["s3cret", 4321]);
    masker.add("Bearer tok-abcdef");
    expect(masker.text("a s3cret and 4321 and Bearer tok-abcdef and tok-abcdef")).toBe(
      "a *** and *** and *** and ***",
    );
    expect(masker.value({ list: ["s3cret!", { s3cret: 1 }], n: 4321 })).toEqual({
      list: ["***!", { "***": 1 }],
      n: 4321,
    });
    expect(masker.headers({ Authorization: "anything", "X-Trace": "id s3cret" })).toEqual({
      Authorization: "***",
      "X-Trace": "id ***",
    });
  });

  it("learns the values of secret headers a request sends", () => {
    const masker = new Masker();
    expect(masker.empty).toBe(true);
    masker.learnHeaders({ "x-api-key": "KEY-123", Accept: "*/*" });
    expect(masker.text("used KEY-123 with */*")).toBe("used *** with */*");
  });

  it("ignores empty and non-string values", () => {
    const masker = new Masker(["", undefined, null, { a: 1 }]);
    expect(masker.empty).toBe(true);
    expect(masker.text("nothing to hide")).toBe("nothing to hide");
  });
});
