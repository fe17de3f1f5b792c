import { statSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryStores, pipeline, secret, step } from "sluice";
import { filesContaining, filesUnder } from "../../../test/support/home-files.js";
import { sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const TOKEN = "tok-3f9a1c77e2";

describe("secret parameters", () => {
  it("are masked in the events a run emits, a retry's error included (the server streams them)", async () => {
    const events: unknown[] = [];
    let attempt = 0;
    const call = step("call", {
      params: { token: secret(z.string()) },
      retry: { attempts: 2, delayMs: 1, jitter: false },
      run: ({ params }) => {
        attempt++;
        if (attempt === 1) throw new Error(`the API refused token ${params.token}`);
        return "ok";
      },
    });
    const result = await pipeline("events", { steps: [call] }).run({
      stores: memoryStores(),
      params: { token: "tok-EVENT-SECRET" },
      onEvent: (event) => events.push(event),
    });
    expect(result.success).toBe(true);
    const retry = events.find((event) => (event as { type: string }).type === "step:retry");
    expect(retry).toMatchObject({ error: { message: "the API refused token ***" } });
    expect(JSON.stringify(events)).not.toContain("tok-EVENT-SECRET");
  });

  it("are masked in run records, logs, show, errors and JSON output, and kept out of identities", () => {
    const home = tempDir("sluice-secret-");
    const run = sluice(["run", "test/fixtures/secret.ts", "--json", "--param", `token=${TOKEN}`], {
      home,
    });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.outputs.call).toEqual({ length: TOKEN.length });
    const failed = sluice(
      [
        "run",
        "test/fixtures/secret.ts",
        "--json",
        "--param",
        `token=${TOKEN}`,
        "--param",
        "explode=true",
      ],
      { home },
    );
    expect(failed.code).toBe(1);
    const failure = JSON.parse(failed.stdout).firstFailure.error;
    expect(failure.message).toBe("server rejected token ***");

    const outputs = [
      run.stdout,
      run.stderr,
      failed.stdout,
      failed.stderr,
      sluice(["runs", "--json"], { home }).stdout,
      sluice(["show", result.runId, "--json"], { home }).stdout,
      sluice(["show", result.runId], { home }).stdout,
      sluice(["logs", result.runId], { home }).stdout,
      sluice(["preview", "test/fixtures/secret.ts", "--json", "--param", `token=${TOKEN}`], {
        home,
      }).stdout,
      sluice(["preview", "test/fixtures/secret.ts", "--param", `token=${TOKEN}`], { home }).stdout,
    ];
    for (const text of outputs) expect(text).not.toContain(TOKEN);
    expect(sluice(["logs", result.runId], { home }).stdout).toContain("Bearer ***");
    expect(JSON.parse(sluice(["show", result.runId, "--json"], { home }).stdout).params.token).toBe(
      "***",
    );
    expect(filesContaining(home, TOKEN)).toEqual([]);
    const failedRun = JSON.parse(failed.stdout).runId;
    const resumeWithout = sluice(["resume", failedRun], { home });
    expect(resumeWithout.code).toBe(2);
    expect(resumeWithout.stderr).toContain("--param token=");
    const resumed = sluice(
      ["resume", failedRun, "--json", "--param", `token=${TOKEN}`, "--param", "explode=false"],
      { home },
    );
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).not.toContain(TOKEN);
    expect(JSON.parse(resumed.stdout).runId).toBe(failedRun);
    const other = sluice(
      ["preview", "test/fixtures/secret.ts", "--json", "--param", "token=another-token"],
      { home },
    );
    expect(
      JSON.parse(other.stdout).steps.find((s: { name: string }) => s.name === "call").status,
    ).toBe("complete");
  });

  it("stay secret behind every zod wrapper (optional, default, describe, nullable, catch, transform): no byte under the home holds them", () => {
    const home = tempDir("sluice-secret-wrapped-");
    const values = {
      token: "tok-wrapped-81f2c",
      apiKey: "key-wrapped-5d0e9",
      password: "pw-wrapped-77aa1",
      dsn: "dsn-wrapped-3c4b2",
    };
    const params = Object.entries(values).flatMap(([name, value]) => [
      "--param",
      `${name}=${value}`,
    ]);
    const run = sluice(["run", "test/fixtures/secret-wrapped.ts", "--json", ...params], { home });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(JSON.parse(sluice(["show", result.runId, "--json"], { home }).stdout).params).toEqual({
      token: "***",
      apiKey: "***",
      password: "***",
      dsn: "***",
    });
    const failed = sluice(
      ["run", "test/fixtures/secret-wrapped.ts", "--json", ...params, "--param", "fail=true"],
      { home },
    );
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).firstFailure.error.message).toBe("upstream refused ***");
    const shown = [
      run.stdout,
      run.stderr,
      failed.stdout,
      failed.stderr,
      sluice(["runs", "--json"], { home }).stdout,
      sluice(["show", result.runId, "--json"], { home }).stdout,
      sluice(["show", JSON.parse(failed.stdout).runId], { home }).stdout,
      sluice(["logs", result.runId], { home }).stdout,
      sluice(["logs", JSON.parse(failed.stdout).runId, "--json"], { home }).stdout,
      sluice(["preview", "test/fixtures/secret-wrapped.ts", "--json", ...params], { home }).stdout,
    ];
    for (const text of shown)
      for (const value of Object.values(values)) expect(text).not.toContain(value);
    expect(sluice(["logs", result.runId], { home }).stdout).toContain("Bearer ***");
    expect(filesUnder(home).some((file) => file.endsWith("sluice.db"))).toBe(true);
    for (const value of Object.values(values)) expect(filesContaining(home, value)).toEqual([]);
  });

  it("a new home is readable by its owner only: folders 0700, database, WAL and artifact files 0600", () => {
    const home = join(tempDir("sluice-modes-"), "home");
    expect(sluice(["run", "test/fixtures/big.mjs", "--quiet"], { home }).code).toBe(0);
    const files = filesUnder(home);
    expect(files.some((file) => file.endsWith("sluice.db-wal"))).toBe(true);
    expect(files.some((file) => file.includes(`${sep}artifacts${sep}`))).toBe(true);
    for (const file of files) expect([file, statSync(file).mode & 0o777]).toEqual([file, 0o600]);
    for (const dir of [
      home,
      join(home, "artifacts"),
      ...files.filter((f) => f.includes(`${sep}artifacts${sep}`)).map(dirname),
    ])
      expect([dir, statSync(dir).mode & 0o777]).toEqual([dir, 0o700]);
  });
});
