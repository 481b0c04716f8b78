/**
 * Resume after a network blip (issue 16), on real sockets: a visitor's TCP
 * is cut (or black-holed) by a proxy in the middle of a chat, and the
 * visitor comes back on a new socket with its token.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Frame, TestClient } from "./helpers.ts";
import {
  deliveryProblems,
  pairResumable,
  ResumableClient,
  resumeNet,
} from "./resume_helpers.ts";
import { RawSocket, within } from "./security_helpers.ts";

const TOKEN = /^[A-Za-z0-9_-]{22,}$/;

/** Two resumable clients through the proxy, as `a` and `b`, no autoResume. */
function pairVia(
  net: { proxy: { wsUrl(tag: string): string } },
): Promise<[ResumableClient, ResumableClient]> {
  return pairResumable(
    { url: net.proxy.wsUrl("a"), autoResume: false },
    { url: net.proxy.wsUrl("b"), autoResume: false },
  );
}

/** `client`'s chat frames on its open socket: no `online`, no `typing`. */
function chatFrames(client: ResumableClient): Frame[] {
  return client.frames.filter((f) =>
    f.type !== "online" && f.type !== "typing"
  );
}

/** Says `lines` and waits until the server echoed them all. */
async function sayAll(client: ResumableClient, ...lines: string[]) {
  for (const line of lines) client.say(line);
  await client.waitFor(() => client.pending.size === 0, 5000, "echoes");
}

/** Cuts `a` (tag "a") and waits for `b` to hear it is away. */
async function cutAway(
  net: { proxy: { cut(tag: string): number } },
  a: ResumableClient,
  b: ResumableClient,
): Promise<void> {
  const away = b.away;
  assert.equal(net.proxy.cut("a"), 1);
  await a.waitFor(() => a.state === "reconnecting", 5000, "the drop");
  await b.waitFor(() => b.away === away + 1, 5000, "partner_away");
}

Deno.test("resume: the dropped side comes back; the gap's lines arrive once and in order, its unconfirmed lines are resent once", async () => {
  await using net = await resumeNet();
  const [a, b] = await pairVia(net);
  assert.match(a.token ?? "", TOKEN);
  assert.match(b.token ?? "", TOKEN);
  assert.notEqual(a.token, b.token);
  await sayAll(a, "a1", "a2");
  await sayAll(b, "b1", "b2");
  await a.waitFor(() => a.heard.length === 2);
  await b.waitFor(() => b.heard.length === 2);

  // The route to `a` dies: b3 goes to a socket that no longer reaches a,
  // and a3, a4 never reach the server.
  assert.equal(net.proxy.blackHole("a"), 1);
  await sayAll(b, "b3");
  a.say("a3");
  a.say("a4");
  await cutAway(net, a, b);
  await sayAll(b, "b4", "b5");
  assert.equal(b.heard.length, 2, "nothing of a3, a4 reached b");

  await a.resume();
  assert.equal(a.state, "chat", a.describe());
  assert.equal(a.sockets.length, 2);
  await a.waitFor(() => a.heard.length === 5, 5000, "the gap's lines");
  await b.waitFor(() => b.heard.length === 4 && b.back === 1, 5000, "back");
  const after = chatFrames(a);
  assert.deepEqual(after[0], { type: "resumed", seen: 2 });
  assert.deepEqual(
    after.slice(1, 4),
    [3, 4, 5].map((seq) => ({
      type: "message",
      message: `b${seq}`,
      from: "guest",
      seq,
    })),
  );
  assert.equal(a.resent, 2, "a3 and a4 sent again");

  await sayAll(a, "a5");
  await sayAll(b, "b6");
  await a.waitFor(() => a.heard.length === 6);
  await b.waitFor(() => b.heard.length === 5);
  assert.deepEqual(b.heard.map((l) => l.text), ["a1", "a2", "a3", "a4", "a5"]);
  assert.deepEqual(a.heard.map((l) => l.text), [
    "b1",
    "b2",
    "b3",
    "b4",
    "b5",
    "b6",
  ]);
  assert.deepEqual(deliveryProblems(a, b), []);
  assert.deepEqual(deliveryProblems(b, a), []);
  assert.equal(b.away, 1);
  assert.equal(b.back, 1);
  assert.equal(a.away + a.back, 0);
  assert.ok(
    !JSON.stringify(b.sockets).includes(a.token!),
    "a's token never reaches b",
  );
  await a.end();
  await b.waitFor(() => b.state === "ended");
  assert.equal(b.ended?.code, 4000);
});

Deno.test("resume: a line resent with a seq the server already has is neither relayed nor echoed again", async () => {
  await using net = await resumeNet();
  const [a, b] = await pairVia(net);
  await sayAll(a, "a1");
  // Sent again on the same socket: dropped (a2's echo shows it was seen).
  a.sendRaw({ type: "message", message: "a1", seq: 1 });
  await sayAll(a, "a2");
  // The echo of a3 is lost on its way back: a still has it pending.
  net.proxy.blackHole("a", "down");
  a.say("a3");
  await b.waitFor(() => b.heard.length === 3, 5000, "a3 relayed");
  assert.deepEqual(b.heard.map((l) => l.text), ["a1", "a2", "a3"]);
  assert.ok(a.pending.has(3));
  const first = a.sockets[0].filter((f) => f.from === "me");
  assert.deepEqual(first.map((f) => f.seq), [1, 2], "each echoed once");
  await cutAway(net, a, b);

  await a.resume();
  assert.deepEqual(chatFrames(a)[0], { type: "resumed", seen: 3 });
  assert.equal(a.pending.size, 0, "a3 confirmed by resumed");
  assert.equal(a.resent, 0);
  // A client that resends anyway, with the numbers the server has.
  a.sendRaw({ type: "message", message: "a3", seq: 3 });
  a.sendRaw({ type: "message", message: "a1 again", seq: 1 });
  await sayAll(a, "a4");
  await b.waitFor(() => b.heard.length === 4, 5000, "a4");
  assert.deepEqual(b.heard.map((l) => l.text), ["a1", "a2", "a3", "a4"]);
  assert.equal(b.duplicates, 0);
  const echoes = chatFrames(a).filter((f) => f.from === "me");
  assert.deepEqual(echoes, [
    { type: "message", message: "a4", from: "me", seq: 4 },
  ]);
  await a.end();
  await b.waitFor(() => b.state === "ended");
});

Deno.test("resume: a partner who waits longer than the grace is closed with 4006; the late resume fails with 4005 and nothing of the chat", async () => {
  await using net = await resumeNet({ resumeGrace: 1 });
  const [a, b] = await pairVia(net);
  await sayAll(b, "b1");
  await cutAway(net, a, b);
  await b.waitFor(() => b.state === "ended", 10_000, "grace expiry");
  assert.deepEqual(b.ended, { code: 4006, reason: "partner_timeout" });

  await a.resume();
  assert.equal(a.state, "ended");
  assert.deepEqual(a.ended, { code: 4005, reason: "resume_failed" });
  const frames = chatFrames(a);
  assert.deepEqual(frames.map((f) => [f.type, f.code]), [
    ["error", "resume_failed"],
  ]);
});

Deno.test("resume: past --resume-buffer-lines held for the away side the partner is closed with 4007", async () => {
  await using net = await resumeNet({ resumeBufferLines: 3 });
  const [a, b] = await pairVia(net);
  // Lines a already has do not count.
  await sayAll(b, "b1", "b2", "b3");
  await a.waitFor(() => a.heard.length === 3);
  await cutAway(net, a, b);
  await sayAll(b, "b4", "b5", "b6");
  assert.equal(b.state, "chat", "3 lines held: the chat goes on");
  b.say("b7");
  await b.waitFor(() => b.state === "ended", 5000, "overflow");
  assert.deepEqual(b.ended, { code: 4007, reason: "partner_overflow" });
  await a.resume();
  assert.deepEqual(a.ended, { code: 4005, reason: "resume_failed" });
  assert.equal(a.heard.length, 3);
});

Deno.test("resume: a token used while its socket lives, again after a resume, or before request is refused; the chat goes on untouched", async (t) => {
  await using net = await resumeNet();
  const [a, b] = await pairVia(net);
  await sayAll(a, "a1");

  /** A socket that sends resume with `token` first; its frames. */
  async function steal(token: string, first?: unknown): Promise<Frame[]> {
    const thief = await TestClient.open(net.server.wsUrl);
    if (first) thief.send(first);
    thief.send({ type: "resume", token, seen: 0 });
    const error = await thief.next("error");
    assert.equal(error.code, "resume_failed");
    assert.equal(typeof error.reason, "string");
    assert.deepEqual(await thief.closed, {
      code: 4005,
      reason: "resume_failed",
    });
    return thief.pending().filter((f) => f.type !== "online");
  }

  await t.step("while the first socket is alive", async () => {
    assert.deepEqual(await steal(a.token!), []);
    await sayAll(b, "b1");
    await sayAll(a, "a2");
    await a.waitFor(() => a.heard.length === 1);
    await b.waitFor(() => b.heard.length === 2);
    assert.equal(a.state, "chat");
    assert.equal(a.away + b.away, 0);
  });

  await t.step("after a resume, from a third socket", async () => {
    await cutAway(net, a, b);
    await a.resume();
    assert.equal(a.state, "chat", a.describe());
    assert.deepEqual(await steal(a.token!), []);
    await sayAll(a, "a3");
    await b.waitFor(() => b.heard.length === 3);
    assert.equal(b.away, 1);
  });

  await t.step("on a socket that sent request first", async () => {
    await cutAway(net, a, b);
    const thief = await TestClient.open(net.server.wsUrl);
    thief.send({ type: "request" });
    thief.send({ type: "resume", token: a.token, seen: 0 });
    // Handled in order: an answer to this probe means the resume was too.
    thief.send({ type: "ping?" });
    await Promise.race([thief.next("error").catch(() => {}), thief.closed]);
    assert.deepEqual(
      thief.pending().filter((f) => f.type !== "error" && f.type !== "online"),
      [],
      "nothing of the chat",
    );
    await thief.close();
    // The token still works for its owner: a second blip, resumed.
    await a.resume();
    assert.equal(a.state, "chat", a.describe());
    assert.equal(a.resumes, 2);
    await sayAll(a, "a4");
    await b.waitFor(() => b.heard.length === 4);
    assert.deepEqual(deliveryProblems(a, b), []);
  });

  await a.end();
  await b.waitFor(() => b.state === "ended");
});

Deno.test("resume: a bad token or seen gets a clear error and nothing of anyone's chat", async () => {
  await using net = await resumeNet();
  const [a, b] = await pairVia(net);
  await sayAll(a, "secret line");
  const unknown = btoa(
    String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))),
  ).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const frames: Record<string, unknown>[] = [
    { type: "resume", token: unknown, seen: 0 },
    { type: "resume", token: "x", seen: 0 },
    { type: "resume", token: 42, seen: 0 },
    { type: "resume", token: null, seen: 0 },
    { type: "resume", seen: 0 },
    { type: "resume", token: "A".repeat(10_000), seen: 0 },
    { type: "resume", token: a.token, seen: -1 },
    { type: "resume", token: a.token, seen: 1.5 },
    { type: "resume", token: a.token, seen: "1" },
  ];
  for (const frame of frames) {
    const c = await TestClient.open(net.server.wsUrl);
    c.send(frame);
    const error = await c.next("error");
    const what = JSON.stringify(frame).slice(0, 80);
    assert.ok(
      error.code === "resume_failed" || error.code === "bad_frame",
      `${what}: ${error.code}`,
    );
    assert.ok(String(error.reason).length > 0, what);
    if (frame.token === unknown) assert.equal(error.code, "resume_failed");
    if (error.code === "resume_failed") {
      assert.equal((await c.closed).code, 4005, what);
    } else await c.close();
    assert.deepEqual(
      c.pending().filter((f) => f.type !== "error" && f.type !== "online"),
      [],
      what,
    );
  }
  await sayAll(a, "still here");
  await b.waitFor(() => b.heard.length === 2);
  assert.equal(b.away + a.away, 0);
  await a.end();
  await b.waitFor(() => b.state === "ended");
});

Deno.test("resume: the original widget's bare request is not resumable — a cut closes its partner with 4000 at once", async () => {
  await using net = await resumeNet();
  const a = await TestClient.open(net.proxy.wsUrl("a"));
  const b = await TestClient.open(net.proxy.wsUrl("b"));
  a.send({ type: "request" });
  b.send({ type: "request" });
  const responses = await Promise.all([a.next("response"), b.next("response")]);
  for (const response of responses) assert.ok(!("resume" in response));
  a.send({ type: "message", message: "hi" });
  assert.equal((await b.next("message")).message, "hi");
  assert.equal(net.proxy.cut("a"), 1);
  // At once: not after a grace of 30 s.
  const closed = await within(b.closed, 3000, "partner closed");
  assert.equal(closed.code, 4000);
  assert.deepEqual(b.pending("partner_away"), []);
  await a.closed;
});

Deno.test("resume: an explicit End (close 1000) ends the chat at once; a partner who leaves while the other is away ends it too", async (t) => {
  await using net = await resumeNet();
  await t.step("close 1000", async () => {
    const [a, b] = await pairVia(net);
    await a.end(1000);
    await b.waitFor(() => b.state === "ended", 3000, "4000");
    assert.equal(b.ended?.code, 4000);
    assert.equal(b.away, 0);
  });
  await t.step("the partner leaves while a is away", async () => {
    const [a, b] = await pairVia(net);
    await cutAway(net, a, b);
    await b.end();
    await a.resume();
    assert.deepEqual(a.ended, { code: 4005, reason: "resume_failed" });
    assert.equal(a.failures.length, 1);
  });
});

for (const wsEdge of ["node", "deno"] as const) {
  Deno.test(`resume (${wsEdge} edge): a close frame 1001 from the client (tab closed) ends the chat at once`, async () => {
    await using net = await resumeNet({ wsEdge });
    const b = new ResumableClient({
      url: net.server.wsUrl,
      autoResume: false,
    });
    const raw = await RawSocket.connect(net.server.handle.port);
    await raw.sendText('{"type":"request","resume":true}');
    await b.start();
    assert.match(String((await raw.nextJson("response"))?.resume), TOKEN);
    await raw.sendFrame(8, new Uint8Array([0x03, 0xe9]));
    // The server's close frame back, then the TCP end, as a browser does.
    assert.notEqual(await raw.closeCode(), null);
    raw.drop();
    await b.waitFor(() => b.state === "ended", 3000, "4000");
    assert.equal(b.ended?.code, 4000);
    assert.equal(b.away, 0);
  });
}

for (const wsEdge of ["node", "deno"] as const) {
  Deno.test(`resume (${wsEdge} edge): a black-holed connection found dead by the ping pauses the chat, and resumes`, async () => {
    await using net = await resumeNet({ idleTimeout: 2, wsEdge });
    const [a, b] = await pairVia(net);
    await sayAll(a, "a1");
    net.proxy.blackHole("a");
    await b.waitFor(() => b.away === 1, 10_000, "partner_away after the ping");
    assert.equal(b.state, "chat");
    await sayAll(b, "b1");
    net.proxy.cut("a");
    await a.waitFor(() => a.state === "reconnecting");
    await a.resume();
    assert.equal(a.state, "chat", a.describe());
    await a.waitFor(() => a.heard.length === 1);
    await b.waitFor(() => b.back === 1);
    assert.deepEqual(deliveryProblems(b, a), []);
    await a.end();
    await b.waitFor(() => b.state === "ended");
  });
}

for (const wsEdge of ["node", "deno"] as const) {
  Deno.test(`resume (${wsEdge} edge): after a network switch the old socket still looks open; the resume finds it dead and takes the chat over`, async () => {
    await using net = await resumeNet({ wsEdge });
    const [a, b] = await pairVia(net);
    await sayAll(a, "a1");
    // The phone's old route is gone: the client's end is reset, the
    // server's end stays open and hears nothing, not even a FIN.
    assert.equal(net.proxy.cutClient("a"), 1);
    await a.waitFor(() => a.state === "reconnecting");
    await sayAll(b, "b1");
    assert.equal(b.away, 0, "the server has not noticed yet");
    await a.resume();
    assert.equal(a.state, "chat", a.describe());
    await a.waitFor(() => a.heard.length === 1, 5000, "b1 once");
    await b.waitFor(() => b.back === 1, 5000, "partner_back");
    await sayAll(a, "a2");
    await b.waitFor(() => b.heard.length === 2);
    assert.deepEqual(deliveryProblems(a, b), []);
    assert.deepEqual(deliveryProblems(b, a), []);
    await a.end();
    await b.waitFor(() => b.state === "ended");
  });
}
