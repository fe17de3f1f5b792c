// The CLI never exits while a run is unfinished, and always exits once it is: a step whose promise
// never settles keeps it waiting until Ctrl-C (recorded as cancelled, exit 130), and a step body that
// ignored its timeout does not keep it alive after the run ended.
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sluiceAsync, startSluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

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
    const home = tempDir("sluice-stuck-");
    const run = startSluice(["run", "test/fixtures/stuck.ts", "--pipeline", "hangs", "--quiet"], {
      home,
    });
    await run.waitForStderr("never: started");
    run.child.kill("SIGINT");
    expect((await run.result).code).toBe(130);
    expect(runsOf(home).runs).toEqual([{ status: "cancelled", reason: "cancelled" }]);
    expect(runsOf(home).steps).toEqual([{ step: "never", status: "cancelled" }]);
  });

  it("exits with the run's code once it ended, though a timed-out body still holds an hour-long timer", async () => {
    const home = tempDir("sluice-overrun-");
    const run = await sluiceAsync(
      ["run", "test/fixtures/stuck.ts", "--pipeline", "overruns", "--json"],
      { home },
    );
    expect(run.code).toBe(1);
    expect(run.json().steps.slow).toMatchObject({
      status: "failed",
      error: { code: "step-timeout" },
    });
    expect(runsOf(home).runs).toEqual([{ status: "failed", reason: null }]);
  });

  // `sluice ... | head`: the reader closes its end after the first bytes.
  function closeAfterFirstChunk(stream: NodeJS.ReadableStream & { destroy(): void }) {
    stream.once("data", () => stream.destroy());
  }

  it("a closed stdout ends output quietly: no EPIPE stack, the command's own exit code", async () => {
    for (const args of [["openapi"], ["preview", "examples/iris/pipeline.ts", "--json"]]) {
      const command = startSluice(args);
      closeAfterFirstChunk(command.child.stdout!);
      const { code, stderr } = await command.result;
      expect(code).toBe(0);
      expect(stderr).not.toContain("EPIPE");
    }
  });

  it("a run whose output is closed goes on, is recorded as it ends (never crashed) and exits with its code", async () => {
    const home = tempDir("sluice-pipe-run-");
    const run = startSluice(["run", "examples/iris/pipeline.ts", "--log-level", "debug"], { home });
    closeAfterFirstChunk(run.child.stdout!);
    closeAfterFirstChunk(run.child.stderr!);
    expect((await run.result).code).toBe(0);
    expect(runsOf(home).runs).toEqual([{ status: "succeeded", reason: null }]);
  });
});
