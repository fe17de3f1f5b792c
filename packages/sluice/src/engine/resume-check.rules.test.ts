import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../store/index.js";
import { ownerFields } from "./owner.js";
import { checkResumable } from "./resume-check.js";

const run = (overrides: Partial<RunRecord>): RunRecord => ({
  runId: "r1",
  pipeline: "p",
  status: "failed",
  params: {},
  startedAt: Date.now(),
  ...overrides,
});

describe("checkResumable: the one check before any resume (CLI, server, Arazzo)", () => {
  it("lets a failed, cancelled or crashed run (its owner gone) be resumed", () => {
    for (const status of ["failed", "cancelled"] as const)
      expect(checkResumable("r1", run({ status }), "")).toMatchObject({ status });
    // A pid that cannot be alive on this host: the owner is gone, the running record is a crash.
    const crashed = run({
      status: "running",
      ownerPid: 2 ** 22 + 7,
      ownerHost: hostname(),
      heartbeatAt: Date.now(),
    });
    expect(checkResumable("r1", crashed, "").status).toBe("running");
  });

  it("refuses a missing run, a succeeded one (saying how to start anew) and one a live process owns (naming it)", () => {
    expect(() => checkResumable("nope", undefined, "")).toThrow(
      expect.objectContaining({ code: "not-found" }),
    );
    expect(() =>
      checkResumable(
        "r1",
        run({ status: "succeeded", ownerPid: 9, ownerHost: "h" }),
        "Start a new run with: sluice run",
      ),
    ).toThrow(
      expect.objectContaining({
        code: "conflict",
        message:
          "Run r1 already succeeded (run by process 9@h); there is nothing to resume. Start a new run with: sluice run",
      }),
    );
    for (const status of ["running", "queued"] as const) {
      const live = run({ status, ...ownerFields(), heartbeatAt: Date.now() });
      expect(() => checkResumable("r1", live, "")).toThrow(
        expect.objectContaining({
          code: "conflict",
          message: expect.stringContaining(`is being run by process ${process.pid}@`),
        }),
      );
    }
  });
});
