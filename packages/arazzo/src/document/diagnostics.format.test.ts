import { describe, expect, it } from "vitest";
import { SluiceError } from "sluice/internal";
import {
  diagnosticsError,
  formatDiagnostic,
  pointerOf,
  sortDiagnostics,
  throwIfDiagnostics,
  type Diagnostic,
} from "./diagnostics.js";

const d = (
  file: string,
  line: number,
  column: number,
  message: string,
  hint?: string,
): Diagnostic => ({ file, line, column, path: "/x", message, hint });

describe("diagnostics", () => {
  it("formats as file:line:column: message (hint)", () => {
    expect(formatDiagnostic(d("/w/a.yaml", 3, 7, "bad thing", "fix it"))).toBe(
      "/w/a.yaml:3:7: bad thing (fix it)",
    );
    expect(formatDiagnostic(d("/w/a.yaml", 3, 7, "bad thing"))).toBe("/w/a.yaml:3:7: bad thing");
    expect(formatDiagnostic(d("/w/docs/a.yaml", 1, 1, "m"), { relativeTo: "/w" })).toBe(
      "docs/a.yaml:1:1: m",
    );
    expect(formatDiagnostic(d("/elsewhere/a.yaml", 1, 1, "m"), { relativeTo: "/w" })).toBe(
      "/elsewhere/a.yaml:1:1: m",
    );
    expect(formatDiagnostic(d("https://x.test/a.yaml", 2, 2, "m"), { relativeTo: "/w" })).toBe(
      "https://x.test/a.yaml:2:2: m",
    );
  });

  it("escapes paths as RFC 6901 pointers", () => {
    expect(pointerOf([])).toBe("");
    expect(pointerOf(["paths", "/pets/{id}", "get"])).toBe("/paths/~1pets~1{id}/get");
    expect(pointerOf(["a~b", 0])).toBe("/a~0b/0");
  });

  it("becomes one invalid-document SluiceError holding every diagnostic, sorted", () => {
    const list = [
      d("/b.yaml", 1, 1, "second file"),
      d("/a.yaml", 9, 2, "later"),
      d("/a.yaml", 2, 5, "first"),
    ];
    const error = diagnosticsError(list);
    expect(SluiceError.is(error)).toBe(true);
    expect(error.code).toBe("invalid-document");
    expect(error.details?.diagnostics).toEqual(sortDiagnostics(list));
    expect((error.details?.diagnostics as Diagnostic[]).map((x) => x.message)).toEqual([
      "first",
      "later",
      "second file",
    ]);
    expect(error.message).toContain("3 problems");
    expect(error.message).toContain("/a.yaml:2:5: first");
    expect(() => throwIfDiagnostics([])).not.toThrow();
    expect(() => throwIfDiagnostics(list)).toThrow(/invalid \(3 problems\)/);
  });

  it("lists at most 20 in the message", () => {
    const many = Array.from({ length: 25 }, (_, i) => d("/a.yaml", i + 1, 1, `p${i}`));
    const error = diagnosticsError(many);
    expect(error.message).toContain("... and 5 more");
    expect(error.message).not.toContain("p24");
    expect((error.details?.diagnostics as unknown[]).length).toBe(25);
  });
});
