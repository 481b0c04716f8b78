/**
 * Visitors from many addresses on one loopback, for the moderation tests:
 * a server started with `TRUST_PROXY=x-forwarded-for` takes each client's
 * `X-Forwarded-For` for its address, as behind a proxy. And the story the
 * bans start from: three visitors from three addresses report one.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Frame, TestClient } from "../helpers.ts";

/** A client of `wsUrl` from `address`, open. */
export async function from(
  wsUrl: string,
  address: string,
): Promise<TestClient> {
  // Deno's WebSocket takes headers in its second argument, which
  // TestClient passes on as it is.
  const options = { headers: { "X-Forwarded-For": address } };
  const client = new TestClient(wsUrl, options as unknown as string);
  await client.opened;
  return client;
}

/** The next line `client` hears from its partner. */
export async function heard(client: TestClient, ms = 5000): Promise<string> {
  for (;;) {
    const frame = await client.next("message", ms);
    if (frame.from === "guest") return frame.message as string;
  }
}

/** Sends a `report` of the chat on (or of the last one, with `token`). */
export function report(
  client: TestClient,
  lines: { from: "me" | "guest"; message: string }[] = [],
  token?: string,
): void {
  client.send({ type: "report", reason: "spam", note: "", lines, token });
}

/** Options for {@linkcode reportThrice}. */
export interface ReportThriceOptions {
  /** Where the reported visitor connects. */
  botUrl: string;
  /** Where its three partners connect. */
  victimUrl: string;
  /** The reported visitor's address. */
  address: string;
  /** The reporters' addresses. */
  reporters: [string, string, string];
}

/**
 * Three visitors, from the three `reporters` addresses, each meet a visitor
 * from `address`, hear a line from it, and report it: each gets `reported`
 * (the line verified) and 4004, the reported one 4000. Returns the last
 * `reported` frame. Nobody else may be waiting meanwhile.
 */
export async function reportThrice(
  options: ReportThriceOptions,
): Promise<Frame> {
  let last: Frame | undefined;
  for (const reporter of options.reporters) {
    const bot = await from(options.botUrl, options.address);
    bot.send({ type: "request" });
    const victim = await from(options.victimUrl, reporter);
    victim.send({ type: "request" });
    await Promise.all([bot.next("response"), victim.next("response")]);
    bot.send({ type: "message", message: "hello there" });
    assert.equal(await heard(victim), "hello there");
    report(victim, [{ from: "guest", message: "hello there" }]);
    last = await victim.next("reported");
    assert.deepEqual(last, { type: "reported", verified: 1, lines: 1 });
    assert.equal((await victim.closed).code, 4004);
    assert.equal((await bot.closed).code, 4000);
  }
  return last!;
}

/**
 * `banned` asked first, `clean` then, `other` last: `other` (also banned)
 * must be paired with `banned`, proved by a line each way; `clean` must
 * not be paired. Closes `banned` and `other`, returns `clean` (waiting).
 */
export async function metOnlyTheBanned(
  banned: TestClient,
  clean: TestClient,
  other: TestClient,
): Promise<TestClient> {
  await Promise.all([banned.next("response"), other.next("response")]);
  banned.send({ type: "message", message: "banned to other" });
  assert.equal(await heard(other), "banned to other");
  other.send({ type: "message", message: "other to banned" });
  assert.equal(await heard(banned), "other to banned");
  // Had `clean` met `banned`, `other` could not have.
  assert.deepEqual(clean.pending("response"), []);
  await Promise.all([banned.close(), other.close()]);
  return clean;
}
