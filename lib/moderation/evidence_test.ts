import assert from "node:assert/strict";
import { Evidence, Ring, RING_SIZE, verifyLines } from "./evidence.ts";
import { messageFrames } from "../ws/protocol.ts";
import type { ReportedLine } from "./report_frame.ts";

const evidence = new Evidence();

/**
 * A ring of `lines` as the switchboard fills it: the lines said from their
 * text, the lines heard (from another instance) from their frames.
 */
function ringOf(lines: readonly ReportedLine[]): Ring {
  const ring = new Ring();
  for (const { from, message } of lines) {
    ring.push(
      from === "me"
        ? evidence.ofLine(message)
        : evidence.ofFrame(messageFrames(message, 1, 1)[1]),
      from,
    );
  }
  return ring;
}

const CHAT: ReportedLine[] = [
  { from: "guest", message: "hi" },
  { from: "me", message: "hello" },
  { from: "guest", message: "buy at shop dot com" },
  { from: "me", message: "no thanks 😀" },
];

Deno.test("Evidence digests a line the same from its frame as from a report", () => {
  const [mine, theirs] = messageFrames('say "hi" \\ ☃', 1, 1);
  assert.equal(evidence.ofFrame(theirs), evidence.ofLine('say "hi" \\ ☃'));
  assert.equal(evidence.ofFrame(mine), -1, "only the partner's frame");
  assert.equal(evidence.ofFrame('{"type":"typing","on":true}'), -1);
  assert.equal(
    evidence.ofFrame('{"type":"message","message":1,"from":"guest"}'),
    -1,
  );
  assert.equal(
    evidence.ofFrame('{"type":"message","message":"x,"from":"guest"}'),
    -1,
  );
  assert.notEqual(evidence.ofLine("hi"), evidence.ofLine("hi "));
});

Deno.test("verifyLines() verifies the lines relayed, with their sides, in order", () => {
  const entries = ringOf(CHAT).entries();
  assert.deepEqual(verifyLines(entries, CHAT, evidence), [
    true,
    true,
    true,
    true,
  ]);
  // The last lines only: what a reporter who cleared its screen still has.
  assert.deepEqual(verifyLines(entries, CHAT.slice(2), evidence), [
    true,
    true,
  ]);
});

Deno.test("verifyLines() leaves a made-up, altered, swapped or moved line unverified", () => {
  const entries = ringOf(CHAT).entries();
  const forged: ReportedLine[] = [
    CHAT[0],
    { from: "guest", message: "send me your photos" }, // made up
    CHAT[1],
    { from: "guest", message: "buy at shop dot com!" }, // altered
    { from: "guest", message: "hello" }, // said by the other side
    CHAT[3],
  ];
  assert.deepEqual(verifyLines(entries, forged, evidence), [
    true,
    false,
    true,
    false,
    false,
    true,
  ]);
  // Order counts: the same two lines the other way round verify once.
  const moved = [CHAT[3], CHAT[0]];
  assert.deepEqual(
    verifyLines(entries, moved, evidence).filter(Boolean).length,
    1,
  );
  // One forged line first cannot cost the true ones after it.
  const first: ReportedLine[] = [{ from: "me", message: "hello" }, ...CHAT];
  assert.deepEqual(verifyLines(entries, first, evidence), [
    false,
    true,
    true,
    true,
    true,
  ]);
  assert.deepEqual(verifyLines([], CHAT, evidence), [
    false,
    false,
    false,
    false,
  ]);
});

Deno.test("Ring keeps the last 50 lines, oldest first", () => {
  const lines: ReportedLine[] = Array.from(
    { length: RING_SIZE + 7 },
    (_, i) => ({ from: i % 2 ? "me" : "guest", message: `line ${i}` }),
  );
  const ring = ringOf(lines);
  assert.equal(ring.size, RING_SIZE);
  const verified = verifyLines(ring.entries(), lines, evidence);
  assert.deepEqual(
    verified,
    lines.map((_, i) => i >= 7),
    "the 7 oldest are out of the ring",
  );
});
