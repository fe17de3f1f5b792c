import { describe, expect, it } from "vitest";
import { readSse } from "./sse.js";

/** A body that delivers `chunks` one by one, as a network would split them. */
function bodyOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function all(chunks: string[]) {
  const messages = [];
  for await (const message of readSse(bodyOf(chunks))) messages.push(message);
  return messages;
}

describe("readSse", () => {
  it("reads events split anywhere across chunks, with CRLF or LF lines, skipping comments", async () => {
    expect(
      await all([
        "event: run:st",
        'art\ndata: {"a":',
        "1}\n\n: keep-alive\r\n\r\nevent: step:log\r\ndata: one\r\ndata: two\r\n\r\n",
        "data: no event name\n\n",
      ]),
    ).toEqual([
      { event: "run:start", data: '{"a":1}' },
      { event: "step:log", data: "one\ntwo" },
      { event: "message", data: "no event name" },
    ]);
  });

  it("drops an event the stream ended in the middle of", async () => {
    expect(await all(["event: x\ndata: whole\n\n", "event: y\ndata: cut"])).toEqual([
      { event: "x", data: "whole" },
    ]);
  });
});
