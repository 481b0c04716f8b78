import assert from "node:assert/strict";
import { MemoryBackend } from "./backends/memory.ts";
import { PARK_MS, Resumable } from "./resumable.ts";
import { Resumes } from "./resume.ts";
import { newSession, type Session } from "./session.ts";
import { messageFrames, PARTNER_AWAY_FRAME } from "./ws/protocol.ts";
import { FakeClock } from "../tests/support/clock.ts";

/** A partner's line `seq` as its frame. */
function line(seq: number): string {
  return messageFrames(`line ${seq}`, seq, seq)[1];
}

/** A resumable side on a socket that records what it is sent. */
function resumable(clock = new FakeClock()) {
  const sent: string[] = [];
  const ended: (string | undefined)[] = [];
  const resumes = new Resumes({
    clock,
    backend: new MemoryBackend(),
    sessions: new Map(),
    chats: () => {},
    deliver: () => {},
    end: (_session: Session, why?: string) => ended.push(why),
  });
  const socket = { send: (f: string) => sent.push(f), close: () => {} };
  const session = newSession("a", socket, "");
  const chat = new Resumable(resumes, session);
  chat.inner = socket;
  session.peer = chat;
  const seqs = () => sent.map((f) => JSON.parse(f).seq);
  return { chat, sent, seqs, ended, clock };
}

Deno.test("Resumable passes a partner's lines in seq order, each once", () => {
  const { chat, seqs } = resumable();
  chat.send(line(1));
  chat.send(line(3)); // Ahead of 2: waits for it.
  chat.send(line(4));
  assert.deepEqual(seqs(), [1]);
  chat.send(line(2));
  assert.deepEqual(seqs(), [1, 2, 3, 4]);
  chat.send(line(3)); // Forwarded twice: dropped.
  chat.send(line(5));
  assert.deepEqual(seqs(), [1, 2, 3, 4, 5]);
});

Deno.test("Resumable lets parked lines go after PARK_MS when the missing one never comes", () => {
  const { chat, seqs, clock } = resumable();
  chat.send(line(1));
  chat.send(line(4));
  chat.send(line(3));
  clock.advance(PARK_MS - 1);
  assert.deepEqual(seqs(), [1]);
  clock.advance(1);
  assert.deepEqual(seqs(), [1, 3, 4]);
  chat.send(line(2)); // Too late: the visitor has 3 already.
  assert.deepEqual(seqs(), [1, 3, 4]);
});

Deno.test("Resumable.held() gives the lines after seen, parked ones too; adopt() takes them over", () => {
  const { chat } = resumable();
  for (const seq of [1, 2, 3, 5]) chat.send(line(seq));
  chat.away();
  chat.send(PARTNER_AWAY_FRAME);
  const held = chat.held(1);
  assert.deepEqual(held.seqs, [2, 3, 5]);
  assert.equal(held.last, 5);
  assert.equal(held.status, PARTNER_AWAY_FRAME);

  const other = resumable();
  other.chat.adopt(held);
  assert.ok(other.chat.holds(1));
  assert.ok(!other.chat.holds(0), "line 1 was not handed over");
  other.chat.send(line(5)); // Forwarded after the handover: dropped.
  other.chat.send(line(6));
  assert.deepEqual(other.seqs(), [6]);
});
