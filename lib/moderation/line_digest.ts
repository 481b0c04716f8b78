/**
 * The keyed digest of one chat line: SipHash-2-4 (Aumasson and Bernstein's
 * pseudorandom function for short inputs, a MAC under a secret 128-bit
 * key) over the line's UTF-8 text, cut to its low 48 bits.
 *
 * Why not HMAC-SHA-256: the digest is taken for every relayed line, and
 * the relay must not cost more than a tenth more for it. `node:crypto`'s
 * `createHmac` costs about 20 µs a call in Deno, more than the whole relay
 * of a line (about 13 µs of CPU); HMAC-SHA-256 written out in JavaScript
 * costs about 1.5 µs (two SHA-256 compressions). SipHash-2-4 costs about
 * 0.3 µs for a line of a few words, and is made for exactly this: a short
 * input, a secret key, and an attacker who must not forge a match. The
 * digests never leave the process.
 *
 * 48 bits make a forged line pass by chance about once in 2^48 / 50 tries
 * (a ring holds 50), and fit a JavaScript number exactly.
 *
 * @module
 */

/** A fresh random key of 16 bytes, for one process. */
export function randomKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

/** The 32-bit little-endian word of `bytes` at `at`. */
function word(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) |
    (bytes[at + 3] << 24);
}

/**
 * SipHash-2-4 under one key, answering the low 48 bits of each 64-bit
 * digest as a number. Not for concurrent use across workers (it reuses
 * its buffer).
 */
export class LineDigest {
  /** The key as four 32-bit words: k0 low, k0 high, k1 low, k1 high. */
  #k: [number, number, number, number];
  /** The text's UTF-8 bytes, and room for the last block; grows. */
  #bytes = new Uint8Array(256);

  /** Digests under `key`, 16 bytes (a fresh random one by default). */
  constructor(key: Uint8Array = randomKey()) {
    if (key.length !== 16) throw new RangeError("the key must be 16 bytes");
    this.#k = [word(key, 0), word(key, 4), word(key, 8), word(key, 12)];
  }

  /** The digest of `text` from index `start` to `end` (UTF-16 code units). */
  of(text: string, start = 0, end = text.length): number {
    // At most 3 bytes per code unit (a pair makes 4 of 2), and a block.
    const room = (end - start) * 3 + 8;
    if (this.#bytes.length < room) this.#bytes = new Uint8Array(room * 2);
    const bytes = this.#bytes;
    let n = 0;
    for (let i = start; i < end; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        bytes[n++] = c;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < end ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else c = 0xfffd;
      }
      if (c < 0x800) {
        bytes[n++] = 0xc0 | (c >> 6);
      } else if (c < 0x10000) {
        bytes[n++] = 0xe0 | (c >> 12);
        bytes[n++] = 0x80 | ((c >> 6) & 63);
      } else {
        bytes[n++] = 0xf0 | (c >> 18);
        bytes[n++] = 0x80 | ((c >> 12) & 63);
        bytes[n++] = 0x80 | ((c >> 6) & 63);
      }
      bytes[n++] = 0x80 | (c & 63);
    }
    return sipHash(this.#k, bytes, n);
  }
}

/**
 * SipHash-2-4 of the first `n` bytes of `bytes` under `k`, its low 48
 * bits. 64-bit words are kept as 32-bit halves (`h`igh and `l`ow); the
 * last block (the rest of the bytes, then the length in its top byte) is
 * built in place after them.
 */
function sipHash(k: readonly number[], bytes: Uint8Array, n: number): number {
  const [k0l, k0h, k1l, k1h] = k;
  let v0l = k0l ^ 0x70736575, v0h = k0h ^ 0x736f6d65;
  let v1l = k1l ^ 0x6e646f6d, v1h = k1h ^ 0x646f7261;
  let v2l = k0l ^ 0x6e657261, v2h = k0h ^ 0x6c796765;
  let v3l = k1l ^ 0x79746573, v3h = k1h ^ 0x74656462;
  const last = n - (n & 7);
  bytes.fill(0, n, last + 7);
  bytes[last + 7] = n & 0xff;
  let t = 0;
  // Each block: v3 ^= m, two rounds, v0 ^= m. Then v2 ^= 0xff, four rounds.
  for (let at = 0;; at += 8) {
    const final = at > last;
    let ml = 0, mh = 0, rounds = 4;
    if (final) v2l ^= 0xff;
    else {
      ml = word(bytes, at);
      mh = word(bytes, at + 4);
      v3l ^= ml;
      v3h ^= mh;
      rounds = 2;
    }
    for (let r = 0; r < rounds; r++) {
      // v0 += v1; v1 = rotl(v1, 13) ^ v0; v0 = rotl(v0, 32)
      t = (v0l + v1l) | 0;
      v0h = (v0h + v1h + ((t >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0;
      v0l = t;
      t = (v1h << 13) | (v1l >>> 19);
      v1l = ((v1l << 13) | (v1h >>> 19)) ^ v0l;
      v1h = t ^ v0h;
      t = v0h;
      v0h = v0l;
      v0l = t;
      // v2 += v3; v3 = rotl(v3, 16) ^ v2
      t = (v2l + v3l) | 0;
      v2h = (v2h + v3h + ((t >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0;
      v2l = t;
      t = (v3h << 16) | (v3l >>> 16);
      v3l = ((v3l << 16) | (v3h >>> 16)) ^ v2l;
      v3h = t ^ v2h;
      // v0 += v3; v3 = rotl(v3, 21) ^ v0
      t = (v0l + v3l) | 0;
      v0h = (v0h + v3h + ((t >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0;
      v0l = t;
      t = (v3h << 21) | (v3l >>> 11);
      v3l = ((v3l << 21) | (v3h >>> 11)) ^ v0l;
      v3h = t ^ v0h;
      // v2 += v1; v1 = rotl(v1, 17) ^ v2; v2 = rotl(v2, 32)
      t = (v2l + v1l) | 0;
      v2h = (v2h + v1h + ((t >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0;
      v2l = t;
      t = (v1h << 17) | (v1l >>> 15);
      v1l = ((v1l << 17) | (v1h >>> 15)) ^ v2l;
      v1h = t ^ v2h;
      t = v2h;
      v2h = v2l;
      v2l = t;
    }
    if (final) break;
    v0l ^= ml;
    v0h ^= mh;
  }
  const low = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
  const high = (v0h ^ v1h ^ v2h ^ v3h) & 0xffff;
  return high * 0x100000000 + low;
}
