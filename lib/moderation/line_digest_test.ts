import assert from "node:assert/strict";
import { LineDigest } from "./line_digest.ts";
import { prng } from "../../tests/security_helpers.ts";

const MASK = (1n << 64n) - 1n;

function rotl(x: bigint, b: bigint): bigint {
  return ((x << b) | (x >> (64n - b))) & MASK;
}

/** SipHash-2-4 as the paper writes it, on BigInts: the reference. */
function reference(key: Uint8Array, data: Uint8Array): bigint {
  const le = (bytes: Uint8Array, at: number) => {
    let x = 0n;
    for (let i = 7; i >= 0; i--) x = (x << 8n) | BigInt(bytes[at + i] ?? 0);
    return x;
  };
  const k0 = le(key, 0), k1 = le(key, 8);
  let v0 = k0 ^ 0x736f6d6570736575n, v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n, v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & MASK;
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & MASK;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & MASK;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const blocks = data.length - (data.length % 8);
  const last = new Uint8Array(8);
  last.set(data.subarray(blocks));
  last[7] = data.length & 0xff;
  for (let at = 0; at <= blocks; at += 8) {
    const m = at < blocks ? le(data, at) : le(last, 0);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  v2 ^= 0xffn;
  for (let i = 0; i < 4; i++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/** The low 48 bits of the reference digest, as LineDigest answers. */
function reference48(key: Uint8Array, text: string): number {
  const digest = reference(key, new TextEncoder().encode(text));
  return Number(digest & ((1n << 48n) - 1n));
}

Deno.test("the reference SipHash-2-4 gives the paper's test vectors", () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => i);
  const input = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);
  // vectors.h of the reference implementation, as little-endian numbers.
  assert.equal(reference(key, input(0)), 0x726fdb47dd0e0e31n);
  assert.equal(reference(key, input(1)), 0x74f839c593dc67fdn);
  assert.equal(reference(key, input(2)), 0x0d6c8009d9a94f5an);
  assert.equal(reference(key, input(3)), 0x85676696d7fb7e2dn);
  assert.equal(reference(key, input(15)), 0xa129ca6149be45e5n);
});

Deno.test("LineDigest is SipHash-2-4 of the UTF-8 text cut to 48 bits, at every length and script", () => {
  const random = prng(15);
  const key = new Uint8Array(16).map(() => Math.floor(random() * 256));
  const digest = new LineDigest(key);
  const alphabet = ["a", "Z", "7", " ", '"', "\\", "é", "☃", "日", "😀", "\n"];
  const texts = ["", "a", "hello", "x".repeat(7), "x".repeat(8), "y".repeat(9)];
  for (let n = 0; n < 300; n++) {
    texts.push(
      Array.from(
        { length: Math.floor(random() * 300) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join(""),
    );
  }
  for (const text of texts) {
    assert.equal(digest.of(text), reference48(key, text), JSON.stringify(text));
  }
  // A slice is the digest of the text it spans.
  assert.equal(digest.of("[hello]", 1, 6), reference48(key, "hello"));
  // A lone surrogate counts as U+FFFD, as TextEncoder has it.
  assert.equal(digest.of("a\ud800b"), reference48(key, "a\ud800b"));
  // A long line grows the buffer, and a short one after it still agrees.
  const long = "ü".repeat(5000);
  assert.equal(digest.of(long), reference48(key, long));
  assert.equal(digest.of("hi"), reference48(key, "hi"));
});

Deno.test("LineDigest: another key gives other digests", () => {
  const a = new LineDigest(), b = new LineDigest();
  assert.notEqual(a.of("hello"), b.of("hello"));
  assert.equal(a.of("hello"), a.of("hello"));
  assert.throws(() => new LineDigest(new Uint8Array(32)), RangeError);
});
