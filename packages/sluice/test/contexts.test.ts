// Contexts through the real CLI and server: a run takes a context's params (explicit --param wins),
// records its context, and preview shows what it changes; secrets come only from the environment
// variables a context names; a context may pick the stack; and every bad context is refused with
// exit 2 before anything runs.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SluiceClient } from "@sluice/client";
import { root, sluice, startSluice } from "../../../test/support/cli.js";
import { createKey } from "../../../test/support/sluice-server.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const iris = "examples/iris/pipeline.ts";

/** A workspace under the repository (so its modules resolve "sluice") with the secret fixture and contexts. */
function workspace(contexts: Record<string, unknown>, config: Record<string, unknown> = {}) {
  const dir = tempDir(".tmp-contexts-", join(root, "test/fixtures"));
  writeFileSync(
    join(dir, "sluice.config.json"),
    JSON.stringify({ project: "ctx", pipelines: ["./secret.ts"], ...config }),
  );
  copyFileSync(join(root, "test/fixtures/secret.ts"), join(dir, "secret.ts"));
  mkdirSync(join(dir, "contexts"));
  for (const [name, body] of Object.entries(contexts))
    writeFileSync(join(dir, "contexts", `${name}.json`), JSON.stringify(body));
  return dir;
}

describe("contexts", () => {
  it("runs the iris example in its prod context, with --param winning, and records the context", () => {
    const home = tempDir();
    const preview = sluice(["preview", iris, "--context", "prod"], { home });
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain("Context prod (");
    expect(preview.stdout).toContain("trees: 25 -> 100");
    expect(preview.stdout).toContain("seed: 42 -> 7");
    const json = sluice(["preview", iris, "--context", "prod", "--json"], { home }).json();
    expect(json.context.params).toEqual([
      { param: "trees", value: 100, default: 25 },
      { param: "seed", value: 7, default: 42 },
    ]);
    const run = sluice(["run", iris, "--context", "prod", "-p", "trees=3", "--json"], { home });
    expect(run.code, run.stderr).toBe(0);
    const runs = sluice(["runs", "--json"], { home }).json().runs;
    expect(runs[0]).toMatchObject({ context: "prod", params: { trees: 3, seed: 7 } });
    const show = sluice(["show", runs[0].runId], { home });
    expect(show.stdout).toContain("Context prod");
  });

  it("refuses an unknown context, and a context setting a param the pipeline does not declare, before anything runs", () => {
    const home = tempDir();
    const unknown = sluice(["run", iris, "--context", "staging"], { home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No context "staging". Known contexts: dev, prod.');
    const dir = workspace({ typo: { params: { endpoitn: "x" } } });
    const typo = sluice(["run", join(dir, "secret.ts"), "--context", "typo"], {
      home,
      cwd: dir,
    });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(join(dir, "contexts", "typo.json"));
    expect(typo.stderr).toContain('context "typo" sets the param "endpoitn"');
    expect(typo.stderr).toContain("Its params: endpoint, explode, token.");
    expect(sluice(["runs", "--json"], { home }).json().runs).toEqual([]);
  });

  it("takes secrets only from the environment variables a context names", () => {
    const dir = workspace({
      prod: { params: { endpoint: "https://prod.invalid" }, env: { token: "PROD_TOKEN" } },
      leaky: { params: { token: "in-the-file" } },
    });
    const file = join(dir, "secret.ts");
    const home = tempDir();
    const missing = sluice(["run", file, "--context", "prod"], {
      home,
      env: { PROD_TOKEN: undefined },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("from the environment variable PROD_TOKEN, which is not set");
    const leaky = sluice(["run", file, "--context", "leaky"], { home });
    expect(leaky.code).toBe(2);
    expect(leaky.stderr).toContain('writes the value of the secret param "token" in the file');
    const run = sluice(["run", file, "--context", "prod", "--json"], {
      home,
      env: { PROD_TOKEN: "12345" },
    });
    expect(run.code, run.stderr).toBe(0);
    const recorded = sluice(["runs", "--json"], { home }).json().runs[0];
    expect(recorded).toMatchObject({
      context: "prod",
      params: { endpoint: "https://prod.invalid", token: "***" },
    });
    // A token of digits stays a string (the param takes a string), and is never printed.
    expect(run.stdout).not.toContain("12345");
    expect(sluice(["logs", recorded.runId], { home }).stdout).not.toContain("12345");
  });

  it("reads contexts from the workspace config too, refuses a name defined twice, and lets a context pick the stack", () => {
    const elsewhere = tempDir();
    const dir = workspace(
      { dev: { params: { endpoint: "https://dev.invalid" } } },
      {
        contexts: {
          prod: {
            params: { endpoint: "https://prod.invalid" },
            env: { token: "T" },
            stack: "other",
          },
        },
        stacks: { other: { store: elsewhere } },
      },
    );
    const file = join(dir, "secret.ts");
    const home = tempDir();
    const run = sluice(["run", file, "--context", "prod"], {
      cwd: dir,
      env: { T: "secret-value", SLUICE_HOME: undefined, SLUICE_STACK: undefined },
      home,
    });
    expect(run.code, run.stderr).toBe(0);
    // The run went to the context's stack, not to the default home.
    const there = sluice(["runs", "--json", "--stack", "other"], {
      cwd: dir,
      env: { SLUICE_HOME: undefined },
    });
    expect(there.json().runs[0]).toMatchObject({ context: "prod" });
    writeFileSync(join(dir, "contexts", "prod.json"), JSON.stringify({ params: {} }));
    const twice = sluice(["preview", file, "--context", "dev"], { cwd: dir, home });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('Context "prod" is defined twice');
  });

  it("triggers a flow with a context on a server, through the typed client, and previews it", async () => {
    const dir = workspace({
      prod: { params: { endpoint: "https://prod.invalid" }, env: { token: "TOK" } },
    });
    const home = tempDir();
    const { key } = await createKey(home, "ctx");
    const server = startSluice(["server", "--port", "0"], {
      home,
      cwd: dir,
      env: { TOK: "from-env" },
    });
    try {
      const [, url] = (await server.waitForStderr(/listening on (http:\/\/\S+)/)) as [
        string,
        string,
      ];
      const project = new SluiceClient({ baseUrl: url, apiKey: key }).project("ctx");
      const preview = await project.flow("secret").preview({ context: "prod" });
      expect(preview.context).toMatchObject({
        name: "prod",
        params: [
          {
            param: "endpoint",
            value: "https://prod.invalid",
            default: "https://example.invalid/api",
          },
          { param: "token", value: "***", required: true },
        ],
      });
      const job = await project.flow("secret").run({ context: "prod", wait: true, noFail: true });
      expect(job.status).toBe("succeeded");
      expect(job).toMatchObject({ context: "prod", params: { endpoint: "https://prod.invalid" } });
      await expect(project.flow("secret").run({ context: "nope" })).rejects.toThrow(
        /No context "nope"\. Known contexts: prod\./,
      );
    } finally {
      server.child.kill("SIGTERM");
      await server.result;
    }
  });
});
