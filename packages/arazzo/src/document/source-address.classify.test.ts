import { describe, expect, it } from "vitest";
import { isInternalAddress, mayReadFrom } from "./source-address.js";

describe("internal addresses", () => {
  it.each([
    "http://127.0.0.1:8080/a",
    "http://127.1.2.3/",
    "http://localhost:3000/",
    "http://api.localhost/",
    "http://10.1.2.3/",
    "http://172.20.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/",
    "http://[::1]:9000/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://0x7f000001/", // URL normalises the hex form to 127.0.0.1
  ])("%s is internal", (url) => {
    expect(isInternalAddress(url)).toBe(true);
  });

  it.each([
    "https://api.example.com/openapi.yaml",
    "http://8.8.8.8/",
    "http://172.32.0.1/",
    "http://[2001:db8::1]/",
    "not a url",
  ])("%s is not", (url) => {
    expect(isInternalAddress(url)).toBe(false);
  });

  it("only a document read from a public address is kept from internal ones", () => {
    expect(mayReadFrom("https://docs.example.com/flow.yaml", "http://127.0.0.1/api.yaml")).toBe(
      false,
    );
    expect(
      mayReadFrom("https://docs.example.com/flow.yaml", "https://api.example.com/api.yaml"),
    ).toBe(true);
    expect(mayReadFrom("/home/me/flow.yaml", "http://127.0.0.1/api.yaml")).toBe(true);
    expect(mayReadFrom("http://127.0.0.1:9000/flow.yaml", "http://10.0.0.2/api.yaml")).toBe(true);
  });
});
