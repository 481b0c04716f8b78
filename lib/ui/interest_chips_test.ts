import assert from "node:assert/strict";
import { normalizeInterest } from "../ws/interests.ts";
import {
  addInterests,
  MAX_INTERESTS,
  readInterests,
  removeInterest,
} from "./interest_chips.ts";

Deno.test("addInterests() normalises as the server matches", () => {
  assert.deepEqual(addInterests([], "  Music  "), {
    interests: ["music"],
    rest: "",
    problem: null,
  });
  const odd = "Ｆｉｌｍｓ\u200B  and   TV";
  assert.deepEqual(addInterests([], odd).interests, [normalizeInterest(odd)]);
  assert.deepEqual(addInterests([], odd).interests, ["films and tv"]);
});

Deno.test("addInterests() cuts at commas and drops duplicates", () => {
  assert.deepEqual(addInterests(["music"], "films, MUSIC,, travel,"), {
    interests: ["music", "films", "travel"],
    rest: "",
    problem: "duplicate",
  });
  assert.deepEqual(addInterests([], "книги，кино、чай").interests, [
    "книги",
    "кино",
    "чай",
  ]);
  assert.deepEqual(addInterests([], " ,\u200B, ").interests, []);
  assert.equal(addInterests([], " ,\u200B, ").problem, null);
});

Deno.test("addInterests() stops at five and keeps what did not fit", () => {
  const four = ["a", "b", "c", "d"];
  assert.deepEqual(addInterests(four, "e, f, g"), {
    interests: ["a", "b", "c", "d", "e"],
    rest: "f, g",
    problem: "full",
  });
  assert.equal(MAX_INTERESTS, 5);
});

Deno.test("addInterests() leaves a too long interest to be shortened", () => {
  const long = "x".repeat(33);
  assert.deepEqual(addInterests([], `${long}, ok`), {
    interests: ["ok"],
    rest: long,
    problem: "too_long",
  });
  assert.deepEqual(addInterests([], "y".repeat(32)).interests, [
    "y".repeat(32),
  ]);
});

Deno.test("removeInterest() removes one chip by its place", () => {
  assert.deepEqual(removeInterest(["a", "b", "c"], 1), ["a", "c"]);
  assert.deepEqual(removeInterest(["a"], 3), ["a"]);
});

Deno.test("readInterests() reads back a valid stored list only", () => {
  assert.deepEqual(readInterests('["Music","films","music"]'), [
    "music",
    "films",
  ]);
  for (
    const bad of [
      null,
      "",
      "{",
      "{}",
      '"music"',
      "[1]",
      '["a","b","c","d","e","f"]',
    ]
  ) {
    assert.deepEqual(readInterests(bad), [], String(bad));
  }
});
