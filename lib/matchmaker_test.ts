import assert from "node:assert/strict";
import { FakeClock } from "../tests/support/clock.ts";
import { RECENT_MS } from "./recent_partners.ts";
import { Switchboard, type SwitchboardOptions } from "./pairing.ts";
import type { Peer, Session } from "./session.ts";
import type { RequestFrame } from "./ws/protocol.ts";

/** A visitor on a fake clock: what it was sent, and who it is paired with. */
class Visitor implements Peer {
  frames: Record<string, unknown>[] = [];
  session!: Session;
  constructor(private board: Switchboard) {}
  send(frame: string) {
    this.frames.push(JSON.parse(frame));
  }
  close() {
    this.board.leave(this.session);
  }
  /** The `common` of its response, or `undefined` while unpaired. */
  get common() {
    return this.frames.find((f) => f.type === "response")?.common;
  }
  get paired() {
    return this.session.state === "chat";
  }
}

/** A switchboard on a fake clock; `ask` joins a visitor and requests. */
function setup(options: SwitchboardOptions = {}) {
  const clock = new FakeClock();
  const board = new Switchboard({ clock, ...options });
  let n = 0;
  const ask = (request: Omit<RequestFrame, "type"> = {}) => {
    const visitor = new Visitor(board);
    visitor.session = board.join(visitor, { group: `g${n++}` });
    board.handle(visitor.session, { type: "request", ...request });
    return visitor;
  };
  const partnerOf = (v: Visitor) => v.session.partner;
  return { board, clock, ask, partnerOf };
}

Deno.test("Matching pairs visitors who share an interest, and tells both what they share", () => {
  const { board, ask, partnerOf } = setup();
  const films = ask({ interests: ["music", "films"], lang: "en" });
  const plain = ask({ interests: [], lang: "en" });
  assert.ok(!films.paired && !plain.paired, "no interest in common");
  const music = ask({ interests: ["cats", "music"], lang: "en" });
  assert.equal(partnerOf(music), films.session.id);
  assert.deepEqual(music.common, ["music"]);
  assert.deepEqual(films.common, ["music"]);
  assert.ok(!plain.paired);
  assert.equal(ask({ lang: "en" }).session.partner, plain.session.id);
  assert.deepEqual(board.pairs, {
    interest: 1,
    language: 1,
    fallback: 0,
    plain: 0,
  });
  board.dispose();
});

Deno.test("Matching takes the longest waiter among those who share an interest", () => {
  const { board, clock, ask, partnerOf } = setup();
  const films = ask({ interests: ["films"], lang: "de" });
  clock.advance(1);
  const en = ask({ interests: ["music"], lang: "en" });
  clock.advance(1);
  const ru = ask({ interests: ["music"], lang: "ru" });
  assert.ok(!films.paired && !en.paired && !ru.paired, "three languages");
  // No language given: any of them will do, the longest waiter first.
  const both = ask({ interests: ["music", "films"] });
  assert.equal(partnerOf(both), films.session.id);
  assert.equal(partnerOf(ask({ interests: ["music"] })), en.session.id);
  assert.equal(partnerOf(ask({ interests: ["music"] })), ru.session.id);
  board.dispose();
});

Deno.test("Matching falls back at exactly MATCH_FALLBACK seconds, and not before", () => {
  const { board, clock, ask, partnerOf } = setup({ matchFallback: 10 });
  const music = ask({ interests: ["music"], lang: "en" });
  const plain = ask({ interests: [], lang: "en" });
  clock.advance(9_999);
  assert.ok(!music.paired);
  clock.advance(1);
  assert.equal(partnerOf(music), plain.session.id);
  assert.deepEqual(music.common, []);
  assert.deepEqual(plain.common, []);
  assert.equal(board.pairs.fallback, 1);
  board.dispose();
});

Deno.test("Matching: interests only waits past the fallback until widened", () => {
  const { board, clock, ask, partnerOf } = setup({ matchFallback: 10 });
  const strict = ask({ interests: ["music"], lang: "en", strict: true });
  const plain = ask({ lang: "en" });
  clock.advance(60_000);
  assert.ok(!strict.paired && !plain.paired);
  // Someone who shares it is still welcome.
  board.handle(strict.session, { type: "widen" });
  assert.equal(partnerOf(strict), plain.session.id);
  assert.deepEqual(strict.common, []);
  board.handle(strict.session, { type: "widen" });
  assert.equal(strict.frames.at(-1)?.code, "not_waiting");
  board.dispose();
});

Deno.test("Matching prefers the same language, then falls back with the interests", () => {
  const { board, clock, ask, partnerOf } = setup({ matchFallback: 10 });
  const en = ask({ lang: "en" });
  const ru = ask({ lang: "ru" });
  assert.ok(!en.paired && !ru.paired);
  const ru2 = ask({ lang: "ru" });
  assert.equal(partnerOf(ru2), ru.session.id);
  const de = ask({ lang: "de" });
  clock.advance(10_000);
  assert.equal(partnerOf(de), en.session.id, "both fell back");
  // The original widget sends no language: it meets anyone waiting.
  const fr = ask({ lang: "fr" });
  const widget = ask();
  assert.equal(partnerOf(widget), fr.session.id);
  assert.equal(
    widget.frames.find((f) => f.type === "response")?.common,
    undefined,
  );
  board.dispose();
});

Deno.test("Matching with MATCH_STRICT_LANGUAGE never pairs two languages", () => {
  const { board, clock, ask, partnerOf } = setup({ matchStrictLanguage: true });
  const en = ask({ interests: ["music"], lang: "en" });
  const ru = ask({ interests: ["music"], lang: "ru" });
  clock.advance(60_000);
  assert.ok(!en.paired && !ru.paired);
  const en2 = ask({ lang: "en" });
  assert.equal(
    partnerOf(en2),
    en.session.id,
    "the interest fell back, not the language",
  );
  board.dispose();
});

Deno.test("Matching skips recent partners and blocked strangers", () => {
  const { board, clock, ask, partnerOf } = setup({ matchRecentPartners: 0 });
  const tokenA = "a".repeat(22), tokenB = "b".repeat(22);
  let a = ask({ token: tokenA, interests: ["music"] });
  let b = ask({ token: tokenB, interests: ["music"] });
  assert.equal(partnerOf(b), a.session.id);
  board.handle(a.session, { type: "block" });
  assert.deepEqual(a.frames.at(-1), { type: "blocked" });
  board.leave(a.session);
  assert.equal(b.session.state, "gone", "its partner left: closed with 4000");
  // Without recent partners, only the block keeps them apart.
  a = ask({ token: tokenA, interests: ["music"] });
  b = ask({ token: tokenB, interests: ["music"] });
  assert.ok(!a.paired && !b.paired);
  clock.advance(RECENT_MS * 10);
  assert.ok(
    !a.paired && !b.paired,
    "a block outlasts the fallback and recent partners",
  );
  const c = ask({ interests: ["music"] });
  assert.equal(partnerOf(c), a.session.id);
  board.leave(b.session);
  board.dispose();
});

Deno.test("Matching: a block after the chat names the last partner of the token", () => {
  const { board, clock, ask, partnerOf } = setup({ matchRecentPartners: 0 });
  const tokenA = "a".repeat(22), tokenB = "b".repeat(22);
  const a = ask({ token: tokenA });
  const b = ask({ token: tokenB });
  assert.equal(partnerOf(b), a.session.id);
  board.leave(a.session);
  // The page's next socket, on its first screen, blocks with its token.
  const page = new Visitor(board);
  page.session = board.join(page, { group: "elsewhere" });
  board.handle(page.session, { type: "block" });
  assert.equal(
    page.frames.at(-1)?.code,
    "nothing_to_block",
    "no token: nobody",
  );
  board.handle(page.session, { type: "block", token: tokenA });
  assert.deepEqual(page.frames.at(-1), { type: "blocked" });
  clock.advance(RECENT_MS + 1);
  const a2 = ask({ token: tokenA });
  const b2 = ask({ token: tokenB });
  assert.ok(!a2.paired && !b2.paired, "blocked, long after they were recent");
  board.dispose();
});
