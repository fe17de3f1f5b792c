import { writeFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../../../test/support/temp-dir.js";
import { applyFixes } from "./fix.js";
import { validateArazzo } from "./validate.js";

const API = fileURLToPath(
  new URL("../../../../test/fixtures/arazzo/run/api.openapi.yaml", import.meta.url),
);

describe("arazzo fix", () => {
  it("rewrites other runners' forms (Respect's source.operationId, Jentic's $response.body.x and $steps.x.name) in place, keeping the rest of the text", async () => {
    const dir = tempDir("sluice-port-");
    copyFileSync(API, join(dir, "api.openapi.yaml"));
    const file = join(dir, "ported.arazzo.yaml");
    const text = `arazzo: 1.0.1
info: { title: t, version: "1" }   # ported from another runner
sourceDescriptions:
  - { name: api, url: ./api.openapi.yaml, type: openapi }
workflows:
  - workflowId: w
    steps:
      - stepId: a
        operationId: api.next
        parameters: [{ name: id, in: path, value: x }]
        outputs: { next: $response.body.next }
      - stepId: b
        operationId: next
        parameters: [{ name: id, in: path, value: $steps.a.next }]
`;
    writeFileSync(file, text);
    const { diagnostics, warnings } = await validateArazzo(file);
    expect(diagnostics.map((d) => d.hint)).toEqual([
      'write "$sourceDescriptions.api.next"',
      'write "$response.body#/next"',
      'write "$steps.a.outputs.next"',
    ]);
    const { text: fixed, fixed: applied } = await applyFixes(text, file, [
      ...diagnostics,
      ...warnings,
    ]);
    expect(applied).toHaveLength(3);
    expect(fixed).toBe(
      text
        .replace("operationId: api.next", 'operationId: "$sourceDescriptions.api.next"')
        .replace("next: $response.body.next", 'next: "$response.body#/next"')
        .replace("value: $steps.a.next", 'value: "$steps.a.outputs.next"'),
    );
    writeFileSync(file, fixed);
    expect((await validateArazzo(file)).diagnostics).toEqual([]);
  });

  it("Respect's $inputs.env.NAME becomes a declared input: rewritten when the workflow declares NAME, explained when not", async () => {
    const dir = tempDir("sluice-port-");
    copyFileSync(API, join(dir, "api.openapi.yaml"));
    const file = join(dir, "respect.arazzo.yaml");
    const text = `arazzo: 1.0.1
info: { title: t, version: "1" }
sourceDescriptions:
  - { name: api, url: ./api.openapi.yaml, type: openapi }
workflows:
  - workflowId: w
    inputs: { type: object, properties: { TOKEN: { type: string } } }
    steps:
      - stepId: a
        operationId: next
        parameters:
          - { name: id, in: path, value: "{$inputs.env.TOKEN}-{$inputs.env.TOKEN}" }
          - { name: X-Tenant, in: header, value: $inputs.env.TENANT }
`;
    writeFileSync(file, text);
    const { diagnostics } = await validateArazzo(file);
    expect(
      diagnostics.map((d) => [d.line, d.message.replace(/^.*?: workflow/, "workflow"), d.hint]),
    ).toEqual([
      [
        12,
        expect.stringContaining(
          'has no input "env.TOKEN": $inputs.env.TOKEN is how Redocly Respect reads the environment variable TOKEN',
        ),
        expect.stringMatching(/^write \$inputs\.TOKEN .*SLUICE_INPUT_TOKEN/),
      ],
      [12, expect.stringContaining('has no input "env.TOKEN"'), expect.any(String)],
      [
        13,
        expect.stringContaining('has no input "env.TENANT"'),
        expect.stringMatching(
          /^declare an input: .*TENANT: \{ type: string \}.*SLUICE_INPUT_TENANT/,
        ),
      ],
    ]);
    const { text: fixed } = await applyFixes(text, file, diagnostics);
    expect(fixed).toBe(
      text.replace(
        '"{$inputs.env.TOKEN}-{$inputs.env.TOKEN}"',
        '"{$inputs.TOKEN}-{$inputs.TOKEN}"',
      ),
    );
  });
});
