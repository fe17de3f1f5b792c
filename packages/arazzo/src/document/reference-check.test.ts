import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "./diagnostics.js";
import { documentFromText, type LoadedDocument } from "./load.js";
import { checkReferences } from "./reference-check.js";
import { prng } from "../test-support.test-helper.js";

const ROOT = "/virtual/main.arazzo.yaml";

const PETS = `openapi: 3.1.0
info: { title: pets, version: "1" }
paths:
  /pets:
    get: { operationId: listPets, responses: {} }
  /pets/{petId}:
    get: { operationId: getPet, responses: {} }
`;
const BILLING = `openapi: 3.1.0
info: { title: billing, version: "1" }
paths:
  /owners/{id}/pet:
    get: { operationId: getPet, responses: {} }
`;

/** In-memory documents (url → text); the first is the root. Sources resolve like the loader does. */
function loaded(files: Record<string, string>): {
  root: LoadedDocument;
  documents: Map<string, LoadedDocument>;
} {
  const documents = new Map<string, LoadedDocument>();
  for (const [url, text] of Object.entries(files)) {
    const { document, diagnostics } = documentFromText(
      text,
      url,
      url.includes(".openapi.") ? "openapi" : "arazzo",
    );
    expect(diagnostics).toEqual([]);
    documents.set(url, document);
  }
  for (const doc of documents.values()) {
    if (doc.kind !== "arazzo") continue;
    doc.sources = new Map();
    const list =
      (doc.value as { sourceDescriptions?: { name: string; url: string }[] }).sourceDescriptions ??
      [];
    for (const s of list) doc.sources.set(s.name, resolve(dirname(doc.url), s.url));
  }
  return { root: documents.get(Object.keys(files)[0]!)!, documents };
}

function diagnostics(files: Record<string, string>, withText = true): Diagnostic[] {
  return checkReferences(loaded(files), { textOf: (url) => (withText ? files[url] : undefined) });
}

const show = (d: Diagnostic): string => `${d.line}:${d.column} ${d.message} (${d.hint})`;

function check(
  main: string,
  extra: Record<string, string> = { "/virtual/pets.openapi.yaml": PETS },
): string[] {
  return diagnostics({ [ROOT]: main, ...extra }).map(show);
}

/** A document with one workflow "w" (input petId) calling getPet; `steps` replaces its steps. */
function doc(steps: string, more = ""): string {
  return `arazzo: 1.0.1
info: { title: t, version: "1" }
sourceDescriptions:
  - { name: pets, url: ./pets.openapi.yaml, type: openapi }
workflows:
  - workflowId: w
    inputs:
      type: object
      properties:
        petId: { type: string }
    steps:
${steps}${more}`;
}

const STEP = `      - stepId: a
        operationId: getPet
        parameters:
          - { name: petId, in: path, value: $inputs.petId }
        successCriteria:
          - condition: $statusCode == 200
        outputs:
          name: $response.body#/name
`;

describe("checkReferences: step targets", () => {
  it("a valid document gives nothing", () => {
    expect(check(doc(STEP))).toEqual([]);
  });

  it("lists the sources that define an ambiguous plain operationId", () => {
    const main = doc(STEP).replace(
      "type: openapi }",
      "type: openapi }\n  - { name: billing, url: ./billing.openapi.yaml }",
    );
    expect(
      check(main, { "/virtual/pets.openapi.yaml": PETS, "/virtual/billing.openapi.yaml": BILLING }),
    ).toEqual([
      `14:22 step "a" of workflow "w": operationId "getPet" is ambiguous: it is defined in the source descriptions "pets", "billing" (say which one, e.g. $sourceDescriptions.pets.getPet)`,
    ]);
  });

  it("says nothing about operations when a source could not be loaded", () => {
    expect(check(doc(STEP.replace("getPet", "whatever")), {})).toEqual([]);
  });

  it("finds operations by percent-encoded operationPath, and reports malformed percent-encoding", () => {
    const ok = STEP.replace(
      "operationId: getPet",
      "operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pets~1%7BpetId%7D/get'",
    );
    expect(check(doc(ok))).toEqual([]);
    const bad = STEP.replace(
      "operationId: getPet",
      "operationPath: '{$sourceDescriptions.pets.url}#/paths/%zz/get'",
    );
    expect(check(doc(bad))).toEqual([
      `13:56 step "a" of workflow "w": operationPath "{$sourceDescriptions.pets.url}#/paths/%zz/get" has a malformed percent-encoding after "#" (write '%' as '%25', or leave the pointer unencoded)`,
    ]);
  });

  it("suggests lower-case methods in an operationPath", () => {
    const step = STEP.replace(
      "operationId: getPet",
      "operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pets/GET'",
    );
    expect(check(doc(step))).toEqual([
      `13:24 step "a" of workflow "w": operationPath: source "pets" has no operation at /paths/~1pets/GET (methods are lower case: #/paths/~1pets/get)`,
    ]);
  });

  it("an operationId into an OpenAPI source given as a workflowId is an error", () => {
    const step = STEP.replace("operationId: getPet", "workflowId: $sourceDescriptions.pets.getPet");
    expect(
      check(
        doc(
          step.replace(
            "          - condition: $statusCode == 200\n",
            "          - condition: $outputs.x == 1\n",
          ),
        ),
      )[0],
    ).toMatch(
      /^13:21 step "a" of workflow "w": workflowId "\$sourceDescriptions\.pets\.getPet" names source "pets", an OpenAPI description, which has no workflows/,
    );
  });
});

describe("checkReferences: expressions and where they point", () => {
  it("points at the expression inside plain, single-quoted and double-quoted one-line strings", () => {
    const step = STEP.replace(
      "          - { name: petId, in: path, value: $inputs.petId }\n",
      `          - name: A
            in: header
            value: x {$inputs.nope}
          - name: B
            in: header
            value: 'x {$inputs.nope}'
          - name: C
            in: header
            value: "x {$inputs.nope}"
`,
    );
    expect(check(doc(step)).map((s) => s.slice(0, 6))).toEqual(["17:23 ", "20:24 ", "23:24 "]);
  });

  it("falls back to the string's position when the string is folded, a block, escaped, or the text is unknown", () => {
    const step = STEP.replace(
      "          - { name: petId, in: path, value: $inputs.petId }\n",
      `          - name: A
            in: header
            value: x
              {$inputs.nope}
          - name: B
            in: header
            value: |
              x {$inputs.nope}
          - name: C
            in: header
            value: "x\\t{$inputs.nope}"
`,
    );
    const files = { [ROOT]: doc(step), "/virtual/pets.openapi.yaml": PETS };
    expect(diagnostics(files).map((d) => `${d.line}:${d.column}`)).toEqual([
      "17:20",
      "21:20",
      "25:20",
    ]);
    const inline = doc(STEP.replace("value: $inputs.petId", "value: 'id {$inputs.nope}'"));
    expect(
      diagnostics({ [ROOT]: inline, "/virtual/pets.openapi.yaml": PETS }, false).map(
        (d) => `${d.line}:${d.column}`,
      ),
    ).toEqual(["15:45"]);
    expect(
      diagnostics({ [ROOT]: inline, "/virtual/pets.openapi.yaml": PETS }, true).map(
        (d) => `${d.line}:${d.column}`,
      ),
    ).toEqual(["15:50"]);
  });

  it("hints at the pointer form when an input name with a dot starts with a declared input", () => {
    expect(check(doc(STEP.replace("value: $inputs.petId", "value: $inputs.petId.id")))).toEqual([
      `15:45 step "a" of workflow "w": parameter "petId": workflow "w" has no input "petId.id" (its inputs schema does not declare it) (input names may contain dots; to read a field of input "petId" write $inputs.petId#/id)`,
    ]);
  });

  it("does not check inputs of open schemas, and unions allOf branches", () => {
    const open = doc(STEP.replace("value: $inputs.petId", "value: $inputs.other")).replace(
      "        petId: { type: string }\n",
      "        petId: { type: string }\n      additionalProperties: true\n",
    );
    expect(check(open)).toEqual([]);
    const allOf = doc(STEP.replace("value: $inputs.petId", "value: $inputs.other")).replace(
      "      type: object\n      properties:\n        petId: { type: string }\n",
      "      allOf:\n        - properties: { petId: { type: string } }\n        - properties: { other: { type: string } }\n",
    );
    expect(check(allOf)).toEqual([]);
    expect(check(allOf.replace("value: $inputs.other", "value: $inputs.thing"))).toHaveLength(1);
  });

  it("checks component parameters against each workflow that uses them, reporting syntax once", () => {
    const step = STEP.replace(
      "          - { name: petId, in: path, value: $inputs.petId }\n",
      "          - reference: $components.parameters.tenant\n          - reference: $components.parameters.broken\n",
    );
    const main =
      doc(step + step.replace("stepId: a", "stepId: b")) +
      `components:
  parameters:
    tenant: { name: X-Tenant, in: header, value: $inputs.tenant }
    broken: { name: X-Broken, in: header, value: "{$inputs.petId" }
`;
    const found = check(main);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(
      /^32:50 components\.parameters\.tenant \(as used in workflow "w"\): workflow "w" has no input "tenant"/,
    );
    expect(found[1]).toMatch(
      /^33:65 components\.parameters\.broken: The embedded expression opened by "\{"/,
    );
  });

  it("$outputs: an error in an operation step and in a called workflow's parameters", () => {
    const inOperation = doc(STEP.replace("name: $response.body#/name", "name: $outputs.name"));
    expect(check(inOperation)[0]).toMatch(
      /"\$outputs\.name" has no value: \$outputs names the outputs of a called workflow, and this step calls an operation/,
    );
    const callee = `  - workflowId: callee
    inputs: { type: object, properties: { petId: { type: string } } }
    steps:
${STEP.replace("stepId: a", "stepId: c")}    outputs:
      name: $steps.c.outputs.name
`;
    const call = `      - stepId: b
        workflowId: callee
        parameters:
          - { name: petId, value: $outputs.name }
        outputs:
          got: $outputs.name
`;
    expect(check(doc(call, "\n" + callee).replace("\n\n", "\n"))).toEqual([
      `15:35 step "b" of workflow "w": parameter "petId": "$outputs.name" has no value yet: the called workflow runs after its parameters are computed (use an input or an earlier step's output)`,
    ]);
  });

  it("a cycle of workflows calling each other (steps, goto and retry actions) is an error where it closes", () => {
    const call = `      - stepId: b
        workflowId: callee
`;
    const callee = `  - workflowId: callee
    steps:
      - stepId: c
        operationId: getPet
        parameters: [{ name: petId, in: path, value: "1" }]
        onFailure:
          - { name: again, type: goto, workflowId: w }
`;
    const found = check(doc(call, "\n" + callee).replace("\n\n", "\n"));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^20:52 workflow "callee": this call makes a cycle of workflows calling each other: w -> callee -> w \(/,
    );
  });

  it("a path parameter the operation's path does not have, and replacements on a text payload, are errors", () => {
    const wrongName = STEP.replace(
      "          - { name: petId, in: path, value: $inputs.petId }",
      "          - { name: petId, in: path, value: $inputs.petId }\n          - { name: petid, in: path, value: x }",
    );
    expect(check(doc(wrongName))).toEqual([
      expect.stringMatching(
        /step "a" of workflow "w": path parameter "petid" is not in the operation's path GET \/pets\/\{petId\} \(did you mean "petId"\?\)/,
      ),
    ]);
    const body = STEP.replace(
      "        successCriteria:",
      "        requestBody:\n          contentType: text/plain\n          payload: 'name=x'\n          replacements: [{ target: /name, value: y }]\n        successCriteria:",
    );
    expect(check(doc(body))).toEqual([
      expect.stringMatching(
        /requestBody: replacements need a JSON or XML payload, and this text payload has contentType text\/plain/,
      ),
    ]);
    const objectBody = body
      .replace("contentType: text/plain", "contentType: application/x-www-form-urlencoded")
      .replace("payload: 'name=x'", "payload: { name: x }");
    expect(check(doc(objectBody))).toEqual([]);
  });

  it("$inputs in a workflow that declares no inputs is an error", () => {
    const text = doc(STEP).replace(
      "    inputs:\n      type: object\n      properties:\n        petId: { type: string }\n",
      "",
    );
    expect(check(text)).toEqual([
      `11:45 step "a" of workflow "w": parameter "petId": workflow "w" has no input "petId": it declares no inputs (declare it: inputs: { type: object, properties: { petId: { type: string } } })`,
    ]);
  });

  it("workflow outputs may read the last response ($statusCode, $response.*), not the request", () => {
    expect(
      check(
        doc(STEP, "    outputs:\n      status: $statusCode\n      name: $response.body#/name\n"),
      ),
    ).toEqual([]);
    expect(check(doc(STEP, "    outputs:\n      where: $url\n"))[0]).toMatch(
      /"\$url" has no value in workflow outputs/,
    );
  });

  it("allows forward step references when an action can jump between steps", () => {
    const first = STEP.replace("stepId: a", "stepId: first").replace(
      "value: $inputs.petId",
      "value: $steps.a.outputs.name",
    );
    expect(check(doc(first + STEP))).toHaveLength(1);
    const jumping = first.replace(
      "        outputs:",
      "        onFailure:\n          - { name: again, type: goto, stepId: a }\n        outputs:",
    );
    expect(check(doc(jumping + STEP))).toEqual([]);
  });

  it("checks $sourceDescriptions references against the source's fields and operationIds", () => {
    expect(
      check(doc(STEP.replace("value: $inputs.petId", "value: $sourceDescriptions.pets.getPet"))),
    ).toEqual([]);
    expect(
      check(doc(STEP.replace("value: $inputs.petId", "value: $sourceDescriptions.pets.ulr"))),
    ).toEqual([
      `15:45 step "a" of workflow "w": parameter "petId": "$sourceDescriptions.pets.ulr": source "pets" has no field, operationId or anything else named "ulr" (did you mean "url"?)`,
    ]);
  });

  it("names XPath functions later than XPath 1.0, which would only make the criterion false at run time", () => {
    const criteria = `        successCriteria:
          - { context: $response.body, condition: "matches(//status, 'ok') and contains(//s, 'upper-case(x)') and count(//a) > 0", type: xpath }
          - context: $response.body
            condition: "ends-with(//name, 'x')"
            type: { type: xpath, version: xpath-30 }
`;
    const found = check(
      doc(
        STEP.replace(
          "        successCriteria:\n          - condition: $statusCode == 200\n",
          criteria,
        ),
      ),
    );
    expect(found.map((line) => /function (\S+)\(\)/.exec(line)?.[1])).toEqual([
      "matches",
      "ends-with",
    ]);
  });

  it("skips xpath and versioned JSONPath conditions, compiles regexes", () => {
    const criteria = `        successCriteria:
          - { context: $response.body, condition: "//a[", type: xpath }
          - context: $response.body
            condition: "$[("
            type: { type: jsonpath, version: draft-goessner-dispatch-jsonpath-00 }
          - { context: $statusCode, condition: "^2\\\\d\\\\d$", type: regex }
`;
    expect(
      check(
        doc(
          STEP.replace(
            "        successCriteria:\n          - condition: $statusCode == 200\n",
            criteria,
          ),
        ),
      ),
    ).toEqual([]);
  });
});

describe("checkReferences: workflows, dependsOn and components", () => {
  it("reports a workflow depending on itself, and cycles across documents", () => {
    expect(check(doc(STEP).replace("    inputs:", "    dependsOn: [w]\n    inputs:"))).toEqual([
      `7:17 workflow "w": dependsOn makes a cycle: w -> w (a workflow cannot wait for a workflow that waits for it; remove one of these dependsOn entries)`,
    ]);
    const other = `arazzo: 1.0.1
info: { title: t, version: "1" }
sourceDescriptions:
  - { name: main, url: ./main.arazzo.yaml, type: arazzo }
workflows:
  - workflowId: x
    dependsOn: [$sourceDescriptions.main.w]
    steps:
      - { stepId: s, workflowId: $sourceDescriptions.main.w }
`;
    const main = doc(STEP)
      .replace(
        "type: openapi }",
        "type: openapi }\n  - { name: other, url: ./other.arazzo.yaml, type: arazzo }",
      )
      .replace("    inputs:", "    dependsOn: [$sourceDescriptions.other.x]\n    inputs:");
    const found = check(main, {
      "/virtual/pets.openapi.yaml": PETS,
      "/virtual/other.arazzo.yaml": other,
    });
    expect(found).toEqual([
      expect.stringMatching(/dependsOn makes a cycle: (w -> x -> w|x -> w -> x)/),
    ]);
  });

  it("reports a reference of the wrong kind and an unresolved inputs $ref inside a schema", () => {
    const main = doc(
      STEP.replace(
        "        outputs:",
        "        onSuccess:\n          - reference: $components.failureActions.f\n        outputs:",
      ),
      `components:
  inputs:
    a:
      type: object
      properties:
        b: { $ref: "#/components/inputs/c" }
        $ref: { type: string }
  failureActions:
    f: { name: f, type: end }
`,
    );
    expect(check(main)).toEqual([
      `19:24 step "a" of workflow "w": onSuccess[0]: reference "$components.failureActions.f" is a failureActions component, but only successActions can be used here (use $components.successActions.<name>)`,
      `27:20 $ref "#/components/inputs/c" does not resolve to anything in this document (did you mean "a"?)`,
    ]);
  });
});

describe("checkReferences never throws (seeded mutations of a valid document)", () => {
  const junk: unknown[] = [
    null,
    0,
    "",
    "$",
    "$steps.",
    "{$inputs.",
    "$inputs.petId",
    "$outputs.x",
    "$statusCode ==",
    [],
    [null],
    {},
    { reference: "$components.parameters.x" },
    { stepId: 1 },
    { $ref: "#/x" },
    { type: "goto", stepId: "a" },
  ];

  it("2000 mutants give only well-formed diagnostics", () => {
    const main = doc(
      STEP + STEP.replace("stepId: a", "stepId: b"),
      `    outputs:\n      n: $steps.a.outputs.name\ncomponents:\n  parameters:\n    p: { name: p, in: query, value: $inputs.petId }\n`,
    );
    const base = loaded({ [ROOT]: main, "/virtual/pets.openapi.yaml": PETS });
    const next = prng(11);
    for (let n = 0; n < 2000; n++) {
      const value = structuredClone(base.root.value) as Record<string, unknown>;
      for (let m = 0; m < 3; m++) {
        let node: unknown = value;
        let parent: Record<string | number, unknown> | undefined;
        let key: string | number | undefined;
        for (let depth = 0; depth < 9 && node && typeof node === "object"; depth++) {
          const keys = Object.keys(node);
          if (keys.length === 0 || next() < 0.15) break;
          parent = node as Record<string | number, unknown>;
          key = keys[Math.floor(next() * keys.length)]!;
          node = parent[key];
        }
        if (parent && key !== undefined)
          parent[key] = structuredClone(junk[Math.floor(next() * junk.length)]);
      }
      const root = { ...base.root, value };
      const found = checkReferences(
        { root, documents: new Map([...base.documents, [ROOT, root]]) },
        { textOf: () => main },
      );
      for (const d of found) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.column).toBeGreaterThanOrEqual(1);
        expect(d.message).not.toMatch(/internal error/);
        expect(d.hint?.length ?? 0).toBeGreaterThan(0);
      }
    }
  });
});
