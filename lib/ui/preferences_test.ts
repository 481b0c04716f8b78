import assert from "node:assert/strict";
import { parseClientFrame } from "../ws/protocol.ts";
import { TOKEN_KEY } from "./browser_token.ts";
import { createPreferences, INTERESTS_KEY, STRICT_KEY } from "./preferences.ts";

function memoryStorage(init: Record<string, string> = {}) {
  const items = new Map(Object.entries(init));
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

Deno.test("createPreferences() edits chips as the visitor types", async (t) => {
  const prefs = createPreferences();
  await t.step("a comma adds what comes before it", () => {
    prefs.setDraft("Music");
    assert.deepEqual(prefs.interests.value, []);
    prefs.setDraft("Music,");
    assert.deepEqual(prefs.interests.value, ["music"]);
    assert.equal(prefs.draft.value, "");
    prefs.setDraft("films, tra");
    assert.deepEqual(prefs.interests.value, ["music", "films"]);
    assert.equal(prefs.draft.value, "tra");
  });
  await t.step("Enter adds the draft", () => {
    prefs.setDraft("Travel ");
    prefs.commit();
    assert.deepEqual(prefs.interests.value, ["music", "films", "travel"]);
    assert.equal(prefs.draft.value, "");
  });
  await t.step("a duplicate is dropped and said so", () => {
    prefs.setDraft("FILMS");
    prefs.commit();
    assert.deepEqual(prefs.interests.value, ["music", "films", "travel"]);
    assert.equal(prefs.problem.value, "duplicate");
  });
  await t.step("past five, the rest stays in the box", () => {
    prefs.setDraft("a, b, c,");
    assert.deepEqual(prefs.interests.value.length, 5);
    assert.equal(prefs.draft.value, "c");
    assert.equal(prefs.problem.value, "full");
  });
  await t.step("remove and Backspace take chips away", () => {
    prefs.remove(0);
    assert.deepEqual(prefs.interests.value, ["films", "travel", "a", "b"]);
    assert.equal(prefs.problem.value, null);
    prefs.removeLast();
    prefs.removeLast();
    assert.deepEqual(prefs.interests.value, ["films", "travel"]);
  });
});

Deno.test("createPreferences() remembers choices in storage", () => {
  const storage = memoryStorage({
    [INTERESTS_KEY]: '["Jazz","cycling"]',
    [STRICT_KEY]: "1",
  });
  const prefs = createPreferences();
  const stop = prefs.load(storage);
  assert.deepEqual(prefs.interests.value, ["jazz", "cycling"]);
  assert.equal(prefs.strict.value, true);
  assert.match(prefs.token.value, /^[\w-]{32}$/);
  assert.equal(storage.items.get(TOKEN_KEY), prefs.token.value);
  prefs.setDraft("chess,");
  prefs.setStrict(false);
  assert.equal(storage.items.get(INTERESTS_KEY), '["jazz","cycling","chess"]');
  assert.equal(storage.items.get(STRICT_KEY), "0");
  stop();
  prefs.remove(0);
  assert.equal(storage.items.get(INTERESTS_KEY), '["jazz","cycling","chess"]');

  const again = createPreferences();
  again.load(storage);
  assert.deepEqual(again.interests.value, ["jazz", "cycling", "chess"]);
  assert.equal(again.token.value, prefs.token.value);
});

Deno.test("createPreferences() loads nothing without storage", () => {
  const prefs = createPreferences();
  prefs.load(null);
  assert.deepEqual(prefs.interests.value, []);
  assert.equal(prefs.strict.value, false);
  assert.match(prefs.token.value, /^[\w-]{32}$/);
});

Deno.test("createPreferences() builds frames the server accepts", () => {
  const prefs = createPreferences();
  assert.deepEqual(prefs.request("en"), {
    type: "request",
    interests: [],
    lang: "en",
    strict: false,
  });
  prefs.load(memoryStorage({ [INTERESTS_KEY]: '["music","films"]' }));
  prefs.setStrict(true);
  const token = prefs.token.value;
  const request = prefs.request("ru");
  assert.deepEqual(request, {
    type: "request",
    token,
    interests: ["music", "films"],
    lang: "ru",
    strict: true,
  });
  assert.deepEqual(parseClientFrame(JSON.stringify(request)), {
    ok: true,
    frame: request,
  });
  assert.deepEqual(prefs.block(), { type: "block", token });
  assert.deepEqual(parseClientFrame(JSON.stringify(prefs.block())), {
    ok: true,
    frame: { type: "block", token },
  });
});
