import assert from "node:assert/strict";
import { startTestServer, TestClient } from "./helpers.ts";

/** A client that asks for a partner with `request`'s preferences. */
async function asking(wsUrl: string, request: Record<string, unknown>) {
  const client = await TestClient.open(wsUrl);
  client.send({ type: "request", ...request });
  return client;
}

/** Resolves once the server has handled every frame `client` sent so far. */
async function settled(client: TestClient): Promise<void> {
  client.send({ type: "presence" });
  assert.equal((await client.next("error")).code, "already_present");
}

Deno.test("/ws: four visitors, two liking music, pair as the matching rule says", async () => {
  await using server = await startTestServer({ matchFallback: 60 });
  const music1 = await asking(server.wsUrl, {
    interests: ["Music"],
    lang: "en",
  });
  const plain1 = await asking(server.wsUrl, { interests: [], lang: "en" });
  await settled(plain1);
  const music2 = await asking(server.wsUrl, {
    interests: ["jazz", "music"],
    lang: "en-GB",
  });
  // Both are told the same shared interests.
  assert.deepEqual(await music2.next("response"), {
    type: "response",
    common: ["music"],
  });
  assert.deepEqual(await music1.next("response"), {
    type: "response",
    common: ["music"],
  });
  assert.equal(
    plain1.pending("response").length,
    0,
    "no interest in common: waits",
  );
  // The original widget's bare request pairs with the plain visitor, and
  // its response is exactly what it always was.
  const widget = await asking(server.wsUrl, {});
  assert.deepEqual(await widget.next("response"), { type: "response" });
  assert.deepEqual(await plain1.next("response"), {
    type: "response",
    common: [],
  });

  music1.send({ type: "message", message: "hi" });
  assert.equal((await music2.next("message")).message, "hi");
  widget.send({ type: "message", message: "hello" });
  assert.equal((await plain1.next("message")).message, "hello");

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /strangers_pairs_matched_total\{by="interest"\} 1/);
  assert.match(metrics, /strangers_pairs_matched_total\{by="fallback"\} 1/);
  assert.doesNotMatch(metrics, /music|jazz/, "no metric names an interest");
  assert.doesNotMatch(
    server.logs.join("\n"),
    /music|jazz/i,
    "nor does a log line",
  );
  for (const client of [music1, music2, plain1, widget]) await client.close();
});

Deno.test("/ws: an interest with nobody to share it falls back to anyone after MATCH_FALLBACK", async () => {
  await using server = await startTestServer({ matchFallback: 1 });
  const music = await asking(server.wsUrl, {
    interests: ["music"],
    lang: "en",
  });
  const strict = await asking(server.wsUrl, {
    interests: ["chess"],
    strict: true,
    lang: "en",
  });
  const plain = await asking(server.wsUrl, { lang: "ru" });
  // Within about a second, music falls back and meets the longest waiter
  // it may: the Russian page (whose language fell back too); chess waits.
  assert.deepEqual(await music.next("response"), {
    type: "response",
    common: [],
  });
  assert.deepEqual(await plain.next("response"), { type: "response" });
  await settled(music);
  assert.equal(strict.pending("response").length, 0);
  const late = await asking(server.wsUrl, {});
  await settled(late);
  assert.equal(late.pending("response").length, 0, "strict: only chess");
  strict.send({ type: "widen" });
  assert.deepEqual(await strict.next("response"), {
    type: "response",
    common: [],
  });
  await late.next("response");
  for (const client of [music, strict, plain, late]) await client.close();
});

Deno.test("/ws: a hostile interests field gets bad_interests and the socket lives on", async () => {
  await using server = await startTestServer();
  const client = await TestClient.open(server.wsUrl);
  client.send({ type: "request", interests: Array(200).fill("x") });
  const error = await client.next("error");
  assert.equal(error.code, "bad_interests");
  client.send({ type: "request", interests: ["ok"] });
  await settled(client);
  await client.close();
});
