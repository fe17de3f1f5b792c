import { describe, expect, it } from "vitest";
import { valuesOf } from "./params-form.js";

const schema = {
  properties: {
    rows: { type: "integer", default: 5 },
    lr: { type: "number" },
    fail: { type: "boolean" },
    name: { type: "string" },
    tags: { type: "array" },
  },
};

describe("the params form's values", () => {
  it("turns fields into typed params, leaving empty ones to the flow's defaults", () => {
    expect(
      valuesOf(schema, { rows: "3", lr: "0.5", fail: "true", name: "x", tags: '["a"]', empty: "" }),
    ).toEqual({ params: { rows: 3, lr: 0.5, fail: true, name: "x", tags: ["a"] }, problems: [] });
    expect(valuesOf(schema, { rows: "" })).toEqual({ params: {}, problems: [] });
  });

  it("names each field whose text is not of its type", () => {
    expect(valuesOf(schema, { rows: "2.5", lr: "fast", tags: "[" }).problems).toEqual([
      'rows: "2.5" is not a whole number',
      'lr: "fast" is not a number',
      "tags: not valid JSON",
    ]);
  });
});
