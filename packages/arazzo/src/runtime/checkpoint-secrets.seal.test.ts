import { describe, expect, it } from "vitest";
import { lostOutputSteps, reviveCheckpoint, sealCheckpoint } from "./checkpoint-secrets.js";
import { Masker } from "./secrets.js";

describe("checkpoint secrets", () => {
  const inputs = new Map([
    ["pw-123456", "pin"],
    ["4242", "code"],
  ]);

  it("replaces input secrets by markers, whole or inside text, and learned ones by their masked text", () => {
    const masker = new Masker(["pw-123456", 4242]);
    masker.add("Bearer tok-learned");
    const checkpoint = {
      inputs: { pin: "pw-123456", code: 4242, user: "bo" },
      outputs: {
        call: { url: "http://h/x?key=pw-123456&n=1", auth: "Bearer tok-learned" },
        login: { session: "tok-learned" },
      },
    };
    const sealed = sealCheckpoint(checkpoint, inputs, masker);
    const text = JSON.stringify(sealed);
    for (const secret of ["pw-123456", "4242", "tok-learned"]) expect(text).not.toContain(secret);
    expect(lostOutputSteps((sealed as typeof checkpoint).outputs)).toEqual(["call", "login"]);
    const revived = reviveCheckpoint(
      sealed,
      new Map<string, unknown>([
        ["pin", "pw-123456"],
        ["code", 4242],
      ]),
    ) as typeof checkpoint;
    expect(revived.inputs).toEqual(checkpoint.inputs);
    expect(revived.outputs.call).toEqual({ url: "http://h/x?key=pw-123456&n=1", auth: "***" });
    expect(revived.outputs.login.session).toBe("***");
  });

  it("leaves a checkpoint without secrets as it is", () => {
    const checkpoint = { a: ["x", 1, { b: "y" }] };
    expect(sealCheckpoint(checkpoint, new Map(), new Masker())).toBe(checkpoint);
    expect(reviveCheckpoint(checkpoint, new Map())).toEqual(checkpoint);
  });
});
