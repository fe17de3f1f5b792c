import { readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { validateArazzo } from "./validate.js";

const FIXTURES = fileURLToPath(new URL("../../../../test/fixtures/arazzo/", import.meta.url));
const SEMANTIC = FIXTURES + "semantic/";

/** [line, column, a substring of the message, a substring of the hint]; the file is the fixture itself. */
type Expected = [number, number, string, string];

/** Each semantically invalid fixture and every diagnostic validateArazzo must give for it, in order. */
const TABLE: Record<string, Expected[]> = {
  "unknown-operation-id.arazzo.yaml": [
    [
      18,
      22,
      `no operation in the source description "pets" has operationId "getPett"`,
      `did you mean "getPet"?`,
    ],
  ],
  // The structure check owns this one (1.0.1: with several OpenAPI sources an operationId MUST be qualified).
  "ambiguous-operation-id.arazzo.yaml": [
    [
      21,
      22,
      `operationId "getPet" is ambiguous with 2 OpenAPI source descriptions`,
      "$sourceDescriptions.<name>.getPet",
    ],
  ],
  "unknown-source-in-operation-id.arazzo.yaml": [
    [
      18,
      42,
      `operationId "$sourceDescriptions.petz.getPet": there is no source description named "petz"`,
      `did you mean "pets"?`,
    ],
  ],
  "unknown-operation-in-source.arazzo.yaml": [
    [
      18,
      47,
      `source "pets" has no operation with operationId "fetchPet"`,
      "listPets, createPet, getPet, deletePet",
    ],
  ],
  "operation-id-in-arazzo-source.arazzo.yaml": [
    [
      21,
      22,
      `names source "flows", an Arazzo document, which has no operations`,
      "workflowId: $sourceDescriptions.flows.<workflowId>",
    ],
  ],
  "operation-path-missing-path.arazzo.yaml": [
    [
      18,
      24,
      `source "pets" has no operation at /paths/~1pet~1{petId}/get`,
      `did you mean path "/pets/{petId}"?`,
    ],
  ],
  "operation-path-missing-method.arazzo.yaml": [
    [
      18,
      24,
      `has no operation at /paths/~1pets~1{petId}/put`,
      `path "/pets/{petId}" has GET, DELETE`,
    ],
  ],
  "operation-path-bad-pointer.arazzo.yaml": [
    [
      18,
      63,
      `operationPath has a malformed JSON pointer: JSON pointer "/paths/~2pets/get" has "~" at offset 7`,
      "'~' is written '~0'",
    ],
  ],
  "operation-path-unescaped-slash.arazzo.yaml": [
    [18, 24, "has no operation at /paths//pets/get", "'/' is written '~1': #/paths/~1pets/get"],
  ],
  "operation-path-unknown-source.arazzo.yaml": [
    [
      18,
      46,
      `operationPath: there is no source description named "store"`,
      "source descriptions: pets",
    ],
  ],
  "step-workflow-missing.arazzo.yaml": [
    [18, 21, `workflowId "adpot" is not a workflow of this document`, `did you mean "adopt"?`],
  ],
  "step-workflow-missing-in-source.arazzo.yaml": [
    [
      21,
      21,
      `workflowId: source "flows" has no workflow "adoptPet"`,
      `workflows in "flows": adopt`,
    ],
  ],
  "step-workflow-needs-source-prefix.arazzo.yaml": [
    [
      21,
      21,
      `workflowId "adopt" is not a workflow of this document`,
      `it is in source "flows": write $sourceDescriptions.flows.adopt`,
    ],
  ],
  "goto-missing-step.arazzo.yaml": [
    [
      28,
      21,
      `action "next": stepId "raed" is not a step of workflow "main"`,
      `did you mean "read"?`,
    ],
  ],
  "goto-missing-workflow.arazzo.yaml": [
    [
      28,
      25,
      `action "recover": workflowId "recovery" is not a workflow of this document`,
      "workflows here: main",
    ],
  ],
  "depends-on-missing.arazzo.yaml": [
    [
      12,
      9,
      `workflow "main": dependsOn "setpu" is not a workflow of this document`,
      `did you mean "setup"?`,
    ],
  ],
  "depends-on-cycle.arazzo.yaml": [
    [
      29,
      9,
      "dependsOn makes a cycle: main -> second -> main",
      "remove one of these dependsOn entries",
    ],
  ],
  "component-action-missing.arazzo.yaml": [
    [
      26,
      24,
      `reference "$components.successActions.doen" does not resolve: components.successActions has no "doen"`,
      `did you mean "done"?`,
    ],
  ],
  "component-parameter-wrong-kind.arazzo.yaml": [
    [
      20,
      24,
      `reference "$components.parameters.done" does not resolve`,
      `"done" is in components.successActions, but a parameters reference needs components.parameters`,
    ],
  ],
  "component-goto-missing-step.arazzo.yaml": [
    [
      32,
      15,
      `components.failureActions.restart (as used in workflow "main"): stepId "begin" is not a step of workflow "main"`,
      `steps of "main": read`,
    ],
  ],
  "inputs-ref-unresolved.arazzo.yaml": [
    [
      12,
      13,
      `$ref "#/components/inputs/petInputs" does not resolve to anything in this document`,
      `did you mean "petInput"?`,
    ],
  ],
  "unknown-root.arazzo.yaml": [
    [22, 20, `Unknown runtime expression root "$inputz"`, "runtime expression"],
  ],
  "steps-missing.arazzo.yaml": [
    [
      30,
      20,
      `"$steps.missing.outputs.id": workflow "main" has no step "missing"`,
      `steps of "main": read, remove`,
    ],
  ],
  "steps-undeclared-output.arazzo.yaml": [
    [
      32,
      20,
      `"$steps.read.outputs.id": step "read" has no output "id"`,
      `outputs of step "read": name`,
    ],
  ],
  "unknown-input.arazzo.yaml": [
    [22, 20, `workflow "main" has no input "petid"`, `did you mean "petId"?`],
  ],
  "embedded-unknown-input.arazzo.yaml": [
    [
      25,
      29,
      `parameter "Authorization": workflow "main" has no input "token"`,
      `inputs of "main": petId`,
    ],
  ],
  "workflows-unknown.arazzo.yaml": [
    [
      26,
      14,
      `"$workflows.x.outputs.y": there is no workflow "x" in this document`,
      "workflows: main",
    ],
  ],
  "workflows-unknown-output.arazzo.yaml": [
    [
      41,
      20,
      `"$workflows.main.outputs.nmae": workflow "main" has no output "nmae"`,
      `did you mean "name"?`,
    ],
  ],
  "condition-single-equals.arazzo.yaml": [
    [24, 36, `condition: Single "=" at offset 12; compare with "=="`, "$statusCode == 200"],
  ],
  "condition-unterminated-string.arazzo.yaml": [
    [24, 73, "String opened at offset 48 is not closed", "simple condition"],
  ],
  "criterion-context-typo.arazzo.yaml": [
    [
      24,
      32,
      `context: Expected "header" or "query" or "path" or "body" after "$response."`,
      "one runtime expression",
    ],
  ],
  "bad-regex.arazzo.yaml": [
    [25, 24, `the regular expression "^(rex$" does not compile`, "ECMAScript regular expression"],
  ],
  "bad-jsonpath.arazzo.yaml": [
    [25, 31, `the JSONPath "$.tags[" is not valid RFC 9535 JSONPath`, "RFC 9535"],
  ],
  "payload-malformed-embedded.arazzo.yaml": [
    [
      25,
      41,
      `requestBody payload: The embedded expression opened by "{" at offset 4`,
      "embedded expressions in braces",
    ],
  ],
  "replacement-bad-target.arazzo.yaml": [
    [
      26,
      23,
      `replacements[0] target is not a JSON pointer: JSON pointer "id" must start with "/"`,
      "/pet/id",
    ],
  ],
  "missing-source-file.arazzo.yaml": [
    [10, 10, `source description "gone": cannot read`, "check the path"],
    [27, 21, `stepId "nowhere" is not a step of workflow "main"`, `steps of "main": read`],
  ],
  "response-in-parameter.arazzo.yaml": [
    [
      22,
      20,
      `"$response.body#/id" has no value yet: parameters and request bodies are computed before the request is sent`,
      "$steps.<stepId>.outputs.<name>",
    ],
  ],
  "request-in-workflow-step.arazzo.yaml": [
    [
      20,
      24,
      `"$request.header.Accept" has no value: this step calls a workflow and sends no HTTP request of its own`,
      "$outputs.<name>",
    ],
  ],
  "outputs-in-workflow-outputs.arazzo.yaml": [
    [
      26,
      13,
      `"$outputs.name" would be this workflow's own outputs`,
      "$steps.<stepId>.outputs.name",
    ],
  ],
  "called-workflow-output-unknown.arazzo.yaml": [
    [
      26,
      20,
      `workflow "adopt" (called by this step) has no output "petname"`,
      `did you mean "petName"?`,
    ],
  ],
  "called-workflow-unknown-parameter.arazzo.yaml": [
    [
      23,
      19,
      `parameter "petID" is not an input of workflow "adopt", which it calls`,
      `did you mean "petId"?`,
    ],
  ],
  "forward-step-reference.arazzo.yaml": [
    [
      22,
      20,
      `"$steps.read.outputs.id" is read before step "read" runs`,
      `move step "read" before step "first"`,
    ],
  ],
  "unknown-source-in-expression.arazzo.yaml": [
    [
      25,
      27,
      `"$sourceDescriptions.pet.url": there is no source description named "pet"`,
      `did you mean "pets"?`,
    ],
  ],
  "unknown-component-in-expression.arazzo.yaml": [
    [
      22,
      20,
      `"$components.parameters.petIdd": components.parameters has no "petIdd"`,
      "there are no components.parameters",
    ],
  ],
  "json-embedded-unknown-step.arazzo.json": [
    [
      12,
      74,
      `"$steps.raed.outputs.id": workflow "main" has no step "raed"`,
      `did you mean "read"?`,
    ],
  ],
};

/** Valid documents in the folder: sources of the fixtures above, and one that uses every kind of reference. */
const VALID = ["valid-everything.arazzo.yaml", "shared-flows.arazzo.yaml"];

describe("validateArazzo: one fixture per semantic problem", () => {
  it("covers at least 30 problems, and every fixture in the folder", () => {
    expect(Object.keys(TABLE).length).toBeGreaterThanOrEqual(30);
    const files = readdirSync(SEMANTIC).filter((f) => /\.arazzo\.(ya?ml|json)$/.test(f));
    expect(files.sort()).toEqual([...Object.keys(TABLE), ...VALID].sort());
  });

  for (const [fixture, expected] of Object.entries(TABLE)) {
    it(fixture, async () => {
      const { diagnostics } = await validateArazzo(SEMANTIC + fixture);
      expect(diagnostics.map((d) => `${basename(d.file)}:${d.line}:${d.column}`)).toEqual(
        expected.map(([line, column]) => `${fixture}:${line}:${column}`),
      );
      diagnostics.forEach((d, i) => {
        const [, , message, hint] = expected[i]!;
        expect(d.message).toContain(message);
        expect(d.hint).toContain(hint);
        expect(d.path.startsWith("/")).toBe(true);
      });
    });
  }

  for (const fixture of VALID) {
    it(`${fixture} is valid`, async () => {
      const { diagnostics, loaded } = await validateArazzo(SEMANTIC + fixture);
      expect(diagnostics).toEqual([]);
      expect(loaded.root.kind).toBe("arazzo");
    });
  }
});

describe("validateArazzo: the loader's valid fixtures", () => {
  // missing-source.arazzo.yaml is invalid on purpose (a source that does not exist).
  const valid = readdirSync(FIXTURES).filter(
    (f) => /\.arazzo\.(ya?ml|json)$/.test(f) && f !== "missing-source.arazzo.yaml",
  );

  it("there are some", () => {
    expect(valid.length).toBeGreaterThanOrEqual(3);
  });

  for (const fixture of valid) {
    it(`${fixture} gives no diagnostics`, async () => {
      const { diagnostics } = await validateArazzo(FIXTURES + fixture);
      expect(diagnostics).toEqual([]);
    });
  }

  it("missing-source.arazzo.yaml gives the loader's and the structure check's diagnostics, in order", async () => {
    const { diagnostics } = await validateArazzo(FIXTURES + "missing-source.arazzo.yaml");
    expect(diagnostics.map((d) => `${d.line}:${d.column}`)).toEqual(["7:10", "16:9"]);
  });
});

describe("validateArazzo: combining the checks", () => {
  it("documents read over http keep their text, so columns point inside strings", async () => {
    const base = "https://flows.example.com/";
    const files: Record<string, string> = {
      [`${base}main.arazzo.yaml`]: readFileSync(
        SEMANTIC + "embedded-unknown-input.arazzo.yaml",
        "utf8",
      ),
      [`${base}pets.openapi.yaml`]: readFileSync(SEMANTIC + "pets.openapi.yaml", "utf8"),
    };
    const fake = (async (input: string | URL | Request) => {
      const text = files[String(input)];
      return text === undefined
        ? new Response("no", { status: 404 })
        : new Response(text, { status: 200 });
    }) as typeof fetch;
    const { diagnostics } = await validateArazzo(`${base}main.arazzo.yaml`, { fetch: fake });
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.column}`)).toEqual([
      `${base}main.arazzo.yaml:25:29`,
    ]);
  });

  it("a value the structure check rejects gets no second diagnostic from the reference check", async () => {
    const { diagnostics } = await validateArazzo(
      FIXTURES + "invalid/reusable-wrong-kind.arazzo.yaml",
    );
    const atReference = diagnostics.filter(
      (d) => d.path === "/workflows/0/steps/0/onSuccess/0/reference",
    );
    expect(atReference).toHaveLength(1);
    expect(atReference[0]!.message).not.toContain("is a failureActions component"); // the reference check's own wording
  });

  it("an unreadable document gives one diagnostic", async () => {
    const { diagnostics } = await validateArazzo(SEMANTIC + "no-such-file.arazzo.yaml");
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).toContain("cannot read the Arazzo document");
  });
});
