// The CLI never exits while a run is unfinished, and always exits once it is: a step whose promise
// never settles keeps it waiting until Ctrl-C (recorded as cancelled, exit 130), and a step body that
// ignored its timeout does not keep it alive after the run ended.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

function start(home: string, args: string[]) {
  const child = spawn(process.execPath, ["bin/sluice.js", ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: home } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const stderrHas = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (stderr.includes(text) ? resolve() : undefined);
      child.stderr.on("data", check);
      child.on("close", () => reject(new Error(`exited before "${text}": ${stderr}`)));
      check();
    });
  return { child, exited, stderrHas, out: () => ({ stdout, stderr }) };
}

function runsOf(home: string) {
  const db = new Database(join(home, "sluice.db"), { readonly: true });
  try {
    return {
      runs: db.prepare(`SELECT status, reason FROM runs`).all(),
      steps: db.prepare(`SELECT step, status FROM step_runs`).all(),
    };
  } finally {
    db.close();
  }
}

describe("CLI exits", () => {
  it("waits on a step that never settles, and on Ctrl-C records the run cancelled and exits 130 though the step ignores its signal", async () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-stuck-"));
    const run = start(home, ["run", "test/fixtures/stuck.ts", "--pipeline", "hangs", "--quiet"]);
    await run.stderrHas("never: started");
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    expect(runsOf(home).runs).toEqual([{ status: "cancelled", reason: "cancelled" }]);
    expect(runsOf(home).steps).toEqual([{ step: "never", status: "cancelled" }]);
  });

  it("exits with the run's code once it ended, though a timed-out body still holds an hour-long timer", async () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-overrun-"));
    const run = start(home, ["run", "test/fixtures/stuck.ts", "--pipeline", "overruns", "--json"]);
    expect(await run.exited).toBe(1);
    expect(JSON.parse(run.out().stdout).steps.slow).toMatchObject({ status: "failed", error: { code: "step-timeout" } });
    expect(runsOf(home).runs).toEqual([{ status: "failed", reason: null }]);
  });

  // `sluice ... | head`: the reader closes its end after the first bytes.
  function closeAfterFirstChunk(stream: NodeJS.ReadableStream & { destroy(): void }) {
    stream.once("data", () => stream.destroy());
  }

  it("a closed stdout ends output quietly: no EPIPE stack, the command's own exit code", async () => {
    for (const args of [["openapi"], ["preview", "examples/iris/pipeline.ts", "--json"]]) {
      const home = mkdtempSync(join(tmpdir(), "sluice-pipe-"));
      const command = start(home, args);
      closeAfterFirstChunk(command.child.stdout);
      expect(await command.exited).toBe(0);
      expect(command.out().stderr).not.toContain("EPIPE");
    }
  });

  it("a run whose output is closed goes on, is recorded as it ends (never crashed) and exits with its code", async () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-pipe-run-"));
    const run = start(home, ["run", "examples/iris/pipeline.ts", "--log-level", "debug"]);
    closeAfterFirstChunk(run.child.stdout);
    closeAfterFirstChunk(run.child.stderr);
    expect(await run.exited).toBe(0);
    expect(runsOf(home).runs).toEqual([{ status: "succeeded", reason: null }]);
  });
});
