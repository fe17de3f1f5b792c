import { describe, expect, it } from "vitest";
import {
  envVarOf,
  inputProperties,
  requiredInputs,
  secretInputs,
  validateInputs,
  withEnvInputs,
} from "./inputs.js";

const doc = {
  components: {
    inputs: {
      base: {
        type: "object",
        required: ["id"],
        properties: { id: { $ref: "#/components/inputs/id" } },
      },
      id: { type: "string" },
    },
  },
  workflows: [
    {
      workflowId: "w",
      inputs: {
        allOf: [
          { $ref: "#/components/inputs/base" },
          {
            properties: {
              id: true,
              n: { type: "integer", minimum: 1, maximum: 9 },
              tags: { type: "array", items: { type: "string" }, maxItems: 2 },
              mode: { enum: ["a", "b"] },
              pass: { type: "string", format: "password" },
              hidden: { type: "string", "x-sluice-secret": true },
            },
            additionalProperties: false,
          },
        ],
      },
    },
    {
      workflowId: "rich",
      inputs: {
        type: "object",
        properties: {
          email: { type: "string", format: "email" },
          pick: { oneOf: [{ type: "string" }, { type: "integer" }] },
        },
      },
    },
  ],
};
const schema = doc.workflows[0]!.inputs;
async function failure(pending: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await pending;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error("expected the inputs to be rejected");
}

const check = (inputs: Record<string, unknown>, index = 0) =>
  validateInputs(
    doc.workflows[index]!.workflowId,
    doc.workflows[index]!.inputs,
    doc,
    `/workflows/${index}/inputs`,
    inputs,
  );

describe("input names and the environment", () => {
  it("names the environment variable after the input: upper case, non-alphanumerics as _", () => {
    expect(envVarOf("scenarioId")).toBe("SLUICE_INPUT_SCENARIOID");
    expect(envVarOf("x-api-key")).toBe("SLUICE_INPUT_X_API_KEY");
    expect(envVarOf("my.org/ünï")).toBe("SLUICE_INPUT_MY_ORG__N_");
  });

  it("finds declared properties through $ref and allOf, and the required ones", () => {
    expect([...inputProperties(schema, doc).keys()]).toEqual([
      "id",
      "n",
      "tags",
      "mode",
      "pass",
      "hidden",
    ]);
    expect(requiredInputs(schema, doc)).toEqual(["id"]);
  });

  it("reads inputs not given from the environment: strings as they are, others as JSON when they parse", () => {
    const env = {
      SLUICE_INPUT_ID: "007",
      SLUICE_INPUT_N: "3",
      SLUICE_INPUT_TAGS: '["x"]',
      SLUICE_INPUT_MODE: "a",
    };
    expect(withEnvInputs(schema, doc, { mode: "b" }, env)).toEqual({
      id: "007",
      n: 3,
      tags: ["x"],
      mode: "b",
    });
  });

  it("knows secret inputs by name, format password, writeOnly or x-sluice-secret", () => {
    expect([...secretInputs(schema, doc, { apiToken: "t", id: "1" })].sort()).toEqual([
      "apiToken",
      "hidden",
      "pass",
    ]);
  });
});

describe("validateInputs", () => {
  it("accepts valid inputs", async () => {
    await expect(
      check({ id: "1", n: 3, tags: ["a"], mode: "a", pass: "p" }),
    ).resolves.toBeUndefined();
  });

  it("names every bad input, without loading a validator for common keywords", async () => {
    const error = await failure(check({ n: 0, tags: ["a", 2, "c"], mode: "z", extra: 1 }));
    expect(error.code).toBe("invalid-inputs");
    expect(error.message).toContain('input "id" is required');
    expect(error.message).toContain('input "n" must be >= 1');
    expect(error.message).toContain('input "tags" at /tags/1 must be string (got the integer 2)');
    expect(error.message).toContain('input "tags" must have at most 2 items');
    expect(error.message).toContain('input "mode" must be one of "a", "b" (got "z")');
    expect(error.message).toContain('input "extra" is not an input of this workflow');
    expect(error.message).toContain("SLUICE_INPUT_<NAME>");
  });

  it("uses ajv (2020-12, ajv-formats) for the rest, with the same messages", async () => {
    await expect(check({ email: "a@b.co", pick: 3 }, 1)).resolves.toBeUndefined();
    const error = await failure(check({ email: "nope", pick: true }, 1));
    expect(error.message).toContain('input "email" must match format "email"');
    expect(error.message).toContain('input "pick" must match exactly one schema in oneOf');
  });

  it("treats an unknown format as an annotation", async () => {
    const d = {
      workflows: [
        {
          inputs: {
            type: "object",
            properties: {
              a: { type: "string", format: "made-up" },
              b: { type: "string", format: "uuid" },
            },
          },
        },
      ],
    };
    await expect(
      validateInputs("x", d.workflows[0]!.inputs, d, "/workflows/0/inputs", {
        a: "anything",
        b: "0f8fad5b-d9cb-469f-a165-70867728950e",
      }),
    ).resolves.toBeUndefined();
  });

  it("never throws anything but invalid-inputs on random values (seeded)", async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = [null, true, 0, -1, 3.5, "", "a", [], [1], {}, { id: "x" }, "1e999", Number.NaN];
    for (let i = 0; i < 300; i++) {
      const inputs: Record<string, unknown> = {};
      for (const key of ["id", "n", "tags", "mode", "pass", "zz"])
        if (random() < 0.6) inputs[key] = values[Math.floor(random() * values.length)];
      const outcome = await check(inputs).then(
        () => "ok",
        (e: { code?: string }) => e.code,
      );
      expect(["ok", "invalid-inputs"]).toContain(outcome);
    }
  });
});
