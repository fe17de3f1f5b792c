import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { documentFromText, type LoadedDocument } from "./load.js";
import { checkStructure } from "./structure-check.js";
import { prng } from "../test-support.test-helper.js";

const FIXTURES = fileURLToPath(new URL("../../../../test/fixtures/arazzo/", import.meta.url));

function load(file: string): {
  document: LoadedDocument;
  problems: ReturnType<typeof checkStructure>;
} {
  const { document, diagnostics } = documentFromText(readFileSync(file, "utf8"), file, "arazzo");
  return { document, problems: [...diagnostics, ...checkStructure(document)] };
}

function check(text: string, withHints = true): string[] {
  const { document, diagnostics } = documentFromText(text, "/inline.yaml", "arazzo");
  return [...diagnostics, ...checkStructure(document)].map(
    (d) => `${d.line}:${d.column} ${d.message}${withHints && d.hint ? ` (${d.hint})` : ""}`,
  );
}

describe("checkStructure: valid fixtures", () => {
  for (const name of [
    "run-and-poll.arazzo.yaml",
    "nightly-suite.arazzo.yaml",
    "status-check.arazzo.json",
  ]) {
    it(`${name} has no problems`, () => {
      expect(load(FIXTURES + name).problems).toEqual([]);
    });
  }
});

// file (under invalid/), a substring of the one message, line, column.
const INVALID: [string, string, number, number][] = [
  ["action-missing-type", `failure action "giveUp" is missing the required field 'type'`, 21, 13],
  [
    "ambiguous-operation-id",
    `operationId "getScenario" is ambiguous with 2 OpenAPI source descriptions`,
    16,
    22,
  ],
  ["bad-component-key", `components.parameters: key "page size" may contain only`, 22, 5],
  [
    "bad-operation-path",
    `must be {$sourceDescriptions.<name>.url} followed by # and a JSON pointer`,
    13,
    24,
  ],
  ["bad-output-key", `output name "run id" may contain only`, 21, 11],
  [
    "bad-source-name",
    `name "scenario runner" should contain only letters, digits, '_' and '-'`,
    6,
    11,
  ],
  ["bad-source-type", `'type' must be one of openapi, arazzo, found "asyncapi"`, 8, 11],
  ["bad-workflow-id", `workflowId "run.and.poll" should contain only`, 10, 17],
  [
    "criterion-bad-type",
    `'type' must be one of simple, regex, jsonpath, xpath, found "jsonpointer"`,
    21,
    19,
  ],
  [
    "criterion-missing-condition",
    `successCriteria[0] is missing the required field 'condition'`,
    19,
    13,
  ],
  ["criterion-type-without-context", `'context' is required when 'type' is given`, 19, 13],
  ["depends-on-not-a-list", `'dependsOn' must be a list, found the string "setup"`, 11, 16],
  [
    "duplicate-action-name",
    `onFailure action "giveUp" appears more than once (first at line 21)`,
    23,
    19,
  ],
  ["duplicate-key", "duplicate key url in this map", 9, 5],
  [
    "duplicate-parameter",
    `parameter "scenarioId" in path appears more than once (first at line 15)`,
    18,
    19,
  ],
  [
    "duplicate-step-id",
    `workflow "main": stepId "check" appears more than once (first at line 12)`,
    20,
    17,
  ],
  ["duplicate-workflow-id", `workflowId "main" appears more than once (first at line 10)`, 20, 17],
  ["empty-source-descriptions", `'sourceDescriptions' must have at least 1 entry`, 5, 21],
  ["empty-steps", `workflow "main": 'steps' must have at least 1 entry`, 11, 12],
  ["end-with-step-id", `success action "stop": 'stepId' is only used by goto actions`, 23, 13],
  ["expression-type-bad-version", `version "rfc9535" is not a jsonpath version`, 23, 24],
  [
    "goto-both-targets",
    `failure action "elsewhere": 'workflowId' and 'stepId' are mutually exclusive`,
    24,
    13,
  ],
  [
    "goto-without-target",
    `success action "loop": a goto action needs a stepId or a workflowId`,
    21,
    13,
  ],
  ["inputs-bad-type", `JSON Schema type "text" is not one of`, 15, 17],
  ["missing-info-title", `info is missing the required field 'title'`, 3, 3],
  ["missing-step-id", `workflow "main" steps[0] is missing the required field 'stepId'`, 12, 9],
  ["missing-workflows", `the Arazzo document is missing the required field 'workflows'`, 1, 1],
  ["no-target", `step "check" of workflow "main" does not say what it calls`, 12, 9],
  ["numeric-info-version", `info: 'version' must be a string, found the number 1.5`, 4, 12],
  [
    "numeric-version",
    `'arazzo' must be a version string such as "1.0.1", found the number 1`,
    1,
    9,
  ],
  ["output-not-expression", `output "status" is "done", not a runtime expression`, 21, 19],
  [
    "parameter-bad-in",
    `parameter "scenarioId": 'in' must be one of path, query, header, cookie, found "body"`,
    16,
    17,
  ],
  [
    "parameter-missing-in",
    `parameter "scenarioId" is missing 'in', required when the step calls an operation`,
    15,
    13,
  ],
  [
    "parameter-missing-value",
    `parameter "scenarioId" is missing the required field 'value'`,
    15,
    13,
  ],
  ["replacement-missing-target", `replacements[0] is missing the required field 'target'`, 24, 15],
  ["request-body-on-workflow-step", `calls a workflow, so it cannot have a requestBody`, 14, 9],
  [
    "retry-after-negative",
    `'retryAfter' must be a non-negative number of seconds, found -1`,
    23,
    25,
  ],
  [
    "retry-after-on-goto",
    `failure action "back": 'retryAfter' only applies when type is retry`,
    24,
    13,
  ],
  [
    "retry-limit-fraction",
    `'retryLimit' must be a non-negative integer (a count of retries), found 2.5`,
    24,
    25,
  ],
  ["reusable-extra-field", `onFailure[0] (a Reusable Object) has no field 'retryLimit'`, 22, 13],
  [
    "reusable-wrong-kind",
    `points into components.failureActions, but only components.successActions can be used here`,
    21,
    24,
  ],
  ["root-is-a-list", `an Arazzo document must be an object`, 1, 1],
  ["success-action-retry", `success action "again": a success action cannot retry`, 22, 19],
  ["two-targets", `'operationId' and 'workflowId' are mutually exclusive`, 14, 9],
  ["unknown-field-typo", `step "check" of workflow "main" has no field 'sucessCriteria'`, 18, 9],
  ["unknown-root-field", `the Arazzo document has no field 'owner'`, 20, 1],
  [
    "unsupported-version",
    `arazzo version "1.1.0" is not supported; sluice reads Arazzo 1.0.x`,
    1,
    9,
  ],
  [
    "workflow-parameter-without-in",
    `parameter "X-Tenant" has no 'in', but step "check" calls an operation`,
    12,
    9,
  ],
];

describe("checkStructure: one problem per invalid fixture, at its line and column", () => {
  it("the table covers every file in invalid/", () => {
    const files = readdirSync(FIXTURES + "invalid").map((f) => f.replace(/\.arazzo\.yaml$/, ""));
    expect(files.sort()).toEqual(INVALID.map(([f]) => f).sort());
    expect(INVALID.length).toBeGreaterThanOrEqual(20);
  });

  for (const [file, message, line, column] of INVALID) {
    it(file, () => {
      const path = `${FIXTURES}invalid/${file}.arazzo.yaml`;
      const { problems } = load(path);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.message).toContain(message);
      expect([problems[0]!.line, problems[0]!.column]).toEqual([line, column]);
      expect(problems[0]!.file).toBe(path);
      expect(problems[0]!.hint).toBeTruthy();
    });
  }

  it("hints name the near-miss field", () => {
    const { problems } = load(`${FIXTURES}invalid/unknown-field-typo.arazzo.yaml`);
    expect(problems[0]!.hint).toBe("did you mean 'successCriteria'?");
    expect(problems[0]!.path).toBe("/workflows/0/steps/0/sucessCriteria");
  });
});

const DOC = (steps: string, extra = ""): string => `arazzo: 1.0.0
info: { title: t, version: "1" }
sourceDescriptions: [{ name: api, url: api.yaml }]
workflows:
  - workflowId: w
    steps:
${steps}${extra}`;

describe("checkStructure: rules in inline documents", () => {
  it("reports every problem, in document order, not only the first", () => {
    const problems = check(
      DOC(
        "      - stepId: a b\n        operationId: x\n        onSuccess: [{ name: n, type: jump }]\n      - operationPath: p\n",
      ),
    );
    expect(problems).toEqual([
      `7:17 step "a b" of workflow "w": stepId "a b" should contain only letters, digits, '_' and '-' (rename it, e.g. "a-b")`,
      `9:38 success action "n": 'type' must be one of end, goto, found "jump" (write type: end, or another of the values listed)`,
      `10:9 workflow "w" steps[1] is missing the required field 'stepId' (add stepId: <an id unique in this workflow>)`,
      `10:24 workflow "w" steps[1]: operationPath "p" must be {$sourceDescriptions.<name>.url} followed by # and a JSON pointer (write e.g. '{$sourceDescriptions.petStore.url}#/paths/~1pets~1{petId}/get' ('/' inside a path is '~1'))`,
    ]);
  });

  it("ids outside [A-Za-z0-9_-] are warnings (the spec says SHOULD); output and component keys stay errors (MUST)", () => {
    const { document } = documentFromText(
      DOC(
        "      - stepId: a.b\n        operationId: x\n        outputs: { 'run id': $statusCode }\n",
      ),
      "/inline.yaml",
      "arazzo",
    );
    const found = checkStructure(document).map((d) => [
      d.message.replace(/ \(.*/, ""),
      d.severity ?? "error",
    ]);
    expect(found).toEqual([
      [
        `step "a.b" of workflow "w": stepId "a.b" should contain only letters, digits, '_' and '-'`,
        "warning",
      ],
      [
        `step "a.b" of workflow "w": output name "run id" may contain only letters, digits, '.', '-' and '_'`,
        "error",
      ],
    ]);
  });

  it("allows x- extensions where the spec does, not in Reusable Objects", () => {
    const text = DOC(
      "      - stepId: a\n        operationId: x\n        x-note: 1\n        successCriteria: [{ condition: $statusCode == 200, x-why: ok }]\n        onSuccess:\n          - { name: n, type: end, x-a: 1 }\n          - { reference: $components.successActions.done, x-b: 2 }\n",
      "x-root: true\ncomponents:\n  x-c: 1\n  successActions:\n    done: { name: done, type: end }\n",
    );
    expect(check(text)).toEqual([
      `13:59 step "a" of workflow "w": onSuccess[1] (a Reusable Object) has no field 'x-b' (a Reusable Object holds only reference; to change other fields, define another component)`,
    ]);
  });

  it("near misses by case and fields put on the wrong object", () => {
    expect(check(DOC("      - stepId: a\n        operationID: x\n"))).toEqual([
      `7:9 step "a" of workflow "w" does not say what it calls (add exactly one of operationId, operationPath or workflowId)`,
      `8:9 step "a" of workflow "w" has no field 'operationID' (did you mean 'operationId'?)`,
    ]);
    expect(
      check(DOC("      - stepId: a\n        operationId: x\n        failureActions: []\n")),
    ).toEqual([
      `9:9 step "a" of workflow "w" has no field 'failureActions' ('failureActions' belongs to a workflow; here it is 'onFailure')`,
    ]);
  });

  it("criterion types: simple needs a context too; expression type objects", () => {
    const problems = check(
      DOC(
        "      - stepId: a\n        operationId: x\n        successCriteria:\n          - { condition: $statusCode == 200, type: simple }\n          - { condition: //ok, context: $response.body, type: { type: xpath, version: xpath-30 } }\n          - { condition: x, context: $response.body, type: { type: yaml, version: '1' } }\n          - { condition: '' }\n",
      ),
    );
    expect(problems).toEqual([
      `10:13 step "a" of workflow "w": successCriteria[0]: 'context' is required when 'type' is given (remove type: simple (it is the default) or add context:)`,
      `12:68 step "a" of workflow "w": successCriteria[2]: type: 'type' must be one of jsonpath, xpath, found "yaml" (write type: jsonpath, or another of the values listed)`,
      `13:26 step "a" of workflow "w": successCriteria[3]: condition is empty (write a condition, e.g. $statusCode == 200)`,
    ]);
  });

  it("workflow steps: parameters need no 'in'; workflowIds may name another document's workflow", () => {
    const text = DOC(
      "      - stepId: a\n        workflowId: $sourceDescriptions.flows.other\n        parameters: [{ name: id, value: 1 }]\n      - stepId: b\n        workflowId: bad.id\n",
      "    dependsOn: [$sourceDescriptions.flows.setup, local, '$bad']\n",
    );
    expect(check(text)).toEqual([
      `11:21 step "b" of workflow "w": workflowId "bad.id" is neither a workflowId nor $sourceDescriptions.<name>.<workflowId> (write a local workflowId, or $sourceDescriptions.<name>.<workflowId> for a workflow in another Arazzo document)`,
      `12:57 workflow "w": dependsOn "$bad" is neither a workflowId nor $sourceDescriptions.<name>.<workflowId> (write a local workflowId, or $sourceDescriptions.<name>.<workflowId> for a workflow in another Arazzo document)`,
    ]);
  });

  it("operationIds: qualified form, and an arazzo source does not make a bare one ambiguous", () => {
    const two = DOC(
      "      - stepId: a\n        operationId: $sourceDescriptions.api.getPet\n      - stepId: b\n        operationId: $sourceDescriptions\n",
    ).replace(
      "sourceDescriptions: [{ name: api, url: api.yaml }]",
      "sourceDescriptions: [{ name: api, url: api.yaml }, { name: flows, url: f.yaml, type: arazzo }]",
    );
    expect(check(two)).toEqual([
      `10:22 step "b" of workflow "w": operationId "$sourceDescriptions" is not an operationId or $sourceDescriptions.<name>.<operationId> (write e.g. $sourceDescriptions.petStore.getPetById)`,
    ]);
  });

  it("components: maps of the right objects; parameters there need no 'in'", () => {
    const text = DOC(
      "      - stepId: a\n        operationId: x\n",
      "components:\n  inputs:\n    page: { type: integer }\n    bad: 3\n  parameters:\n    limit: { name: limit, value: 10 }\n  failureActions:\n    again: { name: again, type: retry, retryLimit: -1 }\n  schemas: {}\n",
    );
    expect(check(text)).toEqual([
      `12:10 components.inputs.bad (a JSON Schema) must be an object (a map of fields), found the number 3 (write it as key: value fields)`,
      `16:52 failure action "again": 'retryLimit' must be a non-negative integer (a count of retries), found -1 (e.g. retryLimit: 5)`,
      `17:3 components has no field 'schemas' (allowed fields: inputs, parameters, successActions, failureActions; extension fields must start with 'x-')`,
    ]);
  });

  it("types of values: strings, lists and objects", () => {
    const text = `arazzo: 1.0.1
info: { title: [t], version: "1", summary: 3 }
sourceDescriptions: { name: api }
workflows:
  - workflowId: w
    inputs: [a]
    steps:
      - stepId: a
        operationId: x
        parameters: {}
        requestBody: text
        successCriteria: []
        outputs: []
`;
    expect(check(text, false)).toEqual([
      `2:16 info: 'title' must be a string, found a list`,
      `2:44 info: 'summary' must be a string, found the number 3`,
      `3:21 the Arazzo document: 'sourceDescriptions' must be a list, found an object`,
      `6:13 workflow "w": inputs (a JSON Schema) must be an object (a map of fields), found a list`,
      `10:21 step "a" of workflow "w": 'parameters' must be a list, found an object`,
      `11:22 step "a" of workflow "w": requestBody must be an object (a map of fields), found the string "text"`,
      `12:26 step "a" of workflow "w": 'successCriteria' must have at least 1 entry`,
      `13:18 step "a" of workflow "w": outputs must be an object (a map of fields), found a list`,
    ]);
  });

  it("an OpenAPI document given as the Arazzo document says so", () => {
    expect(check("openapi: 3.1.0\ninfo: { title: t, version: '1' }\npaths: {}\n")).toEqual([
      "1:1 this is an OpenAPI description, not an Arazzo document (no 'arazzo' field) (name it in an Arazzo document's sourceDescriptions)",
    ]);
  });
});

describe("checkStructure never throws (seeded mutations of a valid document)", () => {
  const replacements: unknown[] = [
    null,
    0,
    -1,
    2.5,
    "",
    "x",
    "$x",
    true,
    [],
    [1, "a"],
    {},
    { reference: 3 },
    { name: 1, type: {} },
    { type: "goto" },
  ];

  it("3000 mutants", () => {
    const base = load(FIXTURES + "nightly-suite.arazzo.yaml").document;
    const next = prng(7);
    for (let n = 0; n < 3000; n++) {
      const value = structuredClone(base.value) as Record<string, unknown>;
      for (let m = 0; m < 3; m++) {
        // Walk down a random path, then replace what is there.
        let node: unknown = value;
        let parent: Record<string | number, unknown> | undefined;
        let key: string | number | undefined;
        for (let depth = 0; depth < 8 && node && typeof node === "object"; depth++) {
          const keys = Object.keys(node);
          if (keys.length === 0 || next() < 0.2) break;
          parent = node as Record<string | number, unknown>;
          key = keys[Math.floor(next() * keys.length)]!;
          node = parent[key];
        }
        if (parent && key !== undefined)
          parent[key] = structuredClone(replacements[Math.floor(next() * replacements.length)]);
      }
      const problems = checkStructure({ ...base, value });
      for (const p of problems) {
        expect(p.line).toBeGreaterThanOrEqual(1);
        expect(p.message.length).toBeGreaterThan(0);
      }
    }
  });
});
