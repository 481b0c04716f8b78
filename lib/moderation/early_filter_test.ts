import assert from "node:assert/strict";
import {
  EarlyFilter,
  heldBack,
  normalise,
  readWordList,
  wordMatcher,
} from "./early_filter.ts";

Deno.test("heldBack() finds links, however they are spelt", () => {
  for (
    const line of [
      "go to https://example.org now",
      "HTTP://EXAMPLE.ORG",
      "ftp://x",
      "www.example",
      "WWW2.something",
      "add me t.me/somebody",
      "site.io",
      "cheap stuff at shop.ru!",
      "mysite.gg",
      "see bit.ly/abc",
      "snap.me",
      "my page is x.co.uk",
      "write to me@home.com",
      "example dot com",
      "example (dot) net",
      "example[.]com",
      "example ( . ) org",
      "t dot me / someone",
      "ｅｘａｍｐｌｅ．ｃｏｍ",
      "example。com",
      "exa\u200Bmple.c\u200Dom",
      "ехаmрlе.соm", // Cyrillic look-alikes
      "𝐞𝐱𝐚𝐦𝐩𝐥𝐞.𝐜𝐨𝐦",
      "ok.so what", // a word, a dot, a domain: taken for a link
    ]
  ) assert.equal(heldBack(line, null), "link", line);
});

Deno.test("heldBack() finds @handles and phone numbers", () => {
  for (const line of ["@alice", "add @bob_99 there", "insta: @abc", "@@xyz"]) {
    assert.equal(heldBack(line, null), "handle", line);
  }
  for (
    const line of [
      "call 5551234",
      "+44 20 7946 0958",
      "(555) 123-4567",
      "555.123.4567",
      "my number 0 1 2 3 4 5 6 7",
      "+７ ９１６ １２３ ４５ ６７", // full-width digits
      "٠١٢٣٤٥٦٧٨", // Arabic-Indic digits
    ]
  ) assert.equal(heldBack(line, null), "phone", line);
});

Deno.test("heldBack() lets everyday lines through", () => {
  for (
    const line of [
      "hi, how are you?",
      "it takes 3.5 hours",
      "it's 10:30 here",
      "meet me@ home",
      "see you @ 5pm",
      "@jo", // two characters: no handle
      "end. me too",
      "I like node.js and vue.js",
      "e.g. this, i.e. that, 9 a.m. or 5 p.m.",
      "born 2024-12-04",
      "on 04/12/2024",
      "order AB123456789012 shipped",
      "I am 25 and live 300 km away",
      "a polka dot is cute",
      "connect the dot to the line",
      "version 1.2.3",
      "Mr.Smith from St.Louis",
      "привет, как дела?",
      "こんにちは。元気？",
    ]
  ) assert.equal(heldBack(line, null), null, line);
});

Deno.test("wordMatcher() holds whole listed words and phrases, in any case", () => {
  const words = wordMatcher([
    "# comments and blank lines are skipped",
    "",
    "Cheap Pills",
    "casino",
    "a+b",
  ]);
  assert.ok(words);
  assert.equal(heldBack("CHEAP   pills here", words), "word");
  assert.equal(heldBack("best Casino!", words), "word");
  assert.equal(heldBack("ＣＡＳＩＮＯ", words), "word");
  assert.equal(heldBack("cas\u200Bino", words), "word");
  assert.equal(heldBack("a+b", words), "word", "regex characters are literal");
  assert.equal(heldBack("casinos", words), null, "whole words only");
  assert.equal(heldBack("cheap", words), null);
  assert.equal(heldBack("aab", words), null);
  assert.equal(wordMatcher(["", "# none"]), null);
});

Deno.test("normalise() folds width, case, invisible characters and look-alikes", () => {
  assert.equal(normalise("ＡＢＣ\u200B\u2060d。"), "abcd.");
  assert.equal(normalise("соm"), "com");
});

Deno.test("EarlyFilter looks at a chat's first lines or first seconds only", () => {
  const filter = new EarlyFilter({ lines: 3, seconds: 30 });
  assert.equal(filter.check("site.io", 3, 60_000), "link", "third line");
  assert.equal(filter.check("site.io", 4, 29_999), "link", "within 30 s");
  assert.equal(filter.check("site.io", 4, 30_000), null);
  assert.equal(filter.check("hello", 1, 0), null);
  const reason = filter.reason("link");
  assert.match(reason, /links/);
  assert.match(reason, /first 3 lines or the first 30 seconds/);
  const off = new EarlyFilter({ lines: 0, seconds: 0 });
  assert.equal(off.active, false);
  assert.equal(off.check("site.io", 1, 0), null);
  const linesOnly = new EarlyFilter({ lines: 2, seconds: 0, words: ["x1y"] });
  assert.equal(linesOnly.check("x1y", 2, 0), "word");
  assert.equal(linesOnly.check("x1y", 3, 0), null);
  assert.doesNotMatch(linesOnly.reason("word"), /seconds/);
});

Deno.test("readWordList() reads one entry a line, and names a file it cannot read", async () => {
  assert.deepEqual(await readWordList(""), []);
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, "one\r\ntwo words\n");
    assert.deepEqual(await readWordList(path), ["one", "two words", ""]);
  } finally {
    await Deno.remove(path);
  }
  await assert.rejects(readWordList(path), new RegExp(path));
});
