/**
 * The bot defence: an ALTCHA proof of work (`altcha-lib`, v2 challenges)
 * that a visitor solves before being paired, never, for suspicious address
 * groups, or always. A challenge is a SHA-256 search the browser widget
 * (`altcha` v3) solves as is; it is signed with a key of this process,
 * expires after a few minutes, and its solution is taken once, cluster-wide,
 * through the store's `useOnce`.
 *
 * The signing key is per process: a challenge is answered on the socket it
 * was sent on, so by the instance that issued it. A visitor who reconnects
 * to another instance with an old solution gets `pow_invalid` and a fresh
 * challenge from that instance.
 *
 * @module
 */

import {
  type Challenge,
  createChallenge,
  randomInt,
  type Solution,
  verifySolution,
} from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/sha";
import { type Clock, SYSTEM_CLOCK } from "../clock.ts";
import { Suspicion } from "./suspicion.ts";

/** When a request needs a solution. */
export type PowMode = "off" | "suspicious" | "always";

/** What {@linkcode ProofOfWork.verify} says of a solution. */
export type PowOutcome = "ok" | "invalid" | "expired" | "reused";

/** The key derivation of every challenge: plain SHA-256, once per try. */
export const POW_ALGORITHM = "SHA-256";

/** Longest payload looked at (a solution is about 700 characters). */
export const MAX_PAYLOAD_LENGTH = 4096;

/** Largest counter a v2 (`uint32`) challenge encodes. */
const MAX_COUNTER = 0xffff_ffff;

/** Options for {@linkcode ProofOfWork}. */
export interface ProofOfWorkOptions {
  /** When a request needs a solution. */
  mode: PowMode;
  /** The largest counter a solution may need (about that many hashes). */
  maxNumber: number;
  /** Handshakes a minute past which a group is suspicious; 0: never. */
  handshakes: number;
  /** Chats under 5 s per 10 minutes past which it is; 0: never. */
  shortChats: number;
  /** Marks `key` used until `until` (ms); true the first time. */
  useOnce: (key: string, until: number) => Promise<boolean>;
  /** Time, for expiry and the suspicion counters. @default {SYSTEM_CLOCK} */
  clock?: Clock;
  /** Seconds a challenge may be solved in. @default {300} */
  ttlSeconds?: number;
  /** How long a solution clears a suspicious group, in ms. @default {600_000} */
  clearMs?: number;
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Decides who must solve a challenge, issues challenges, checks solutions. */
export class ProofOfWork {
  readonly mode: PowMode;
  #maxNumber: number;
  #useOnce: ProofOfWorkOptions["useOnce"];
  #clock: Clock;
  #ttlMs: number;
  #suspicion: Suspicion;
  #secret = randomSecret();
  #keySecret = randomSecret();

  constructor(options: ProofOfWorkOptions) {
    this.mode = options.mode;
    this.#maxNumber = Math.min(
      MAX_COUNTER,
      Math.max(1, Math.floor(options.maxNumber) || 1),
    );
    this.#useOnce = options.useOnce;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#ttlMs = Math.max(1, options.ttlSeconds ?? 300) * 1000;
    this.#suspicion = new Suspicion({
      handshakes: options.handshakes,
      shortChats: options.shortChats,
      clearMs: options.clearMs,
      now: () => this.#clock.now(),
    });
  }

  /** One accepted WebSocket handshake from an address group. */
  handshake(group: string): void {
    if (this.mode === "suspicious") this.#suspicion.handshake(group);
  }

  /** A local visitor's chat ended after `seconds`. */
  chatEnded(group: string, seconds: number): void {
    if (this.mode === "suspicious") this.#suspicion.chatEnded(group, seconds);
  }

  /**
   * Must a request from `group` carry a solution? Always, never, or (when
   * suspicious) if the group is over a count or the visitor has open
   * reports (`flagged`).
   */
  required(group: string, flagged: boolean): boolean {
    if (this.mode === "off") return false;
    if (this.mode === "always") return true;
    return flagged || this.#suspicion.suspicious(group);
  }

  /** `group` sent a good solution: its counts ask for none for a while. */
  solved(group: string): void {
    if (this.mode === "suspicious") this.#suspicion.solved(group);
  }

  /**
   * A fresh challenge, as the widget takes it (`configure({ challenge })`):
   * `{ parameters, signature }`, JSON-safe.
   */
  async challenge(): Promise<Record<string, unknown>> {
    const half = Math.ceil(this.#maxNumber / 2);
    const { parameters, signature } = await createChallenge({
      algorithm: POW_ALGORITHM,
      cost: 1,
      counter: randomInt(this.#maxNumber, half),
      deriveKey,
      expiresAt: Math.floor((this.#clock.now() + this.#ttlMs) / 1000),
      hmacSignatureSecret: this.#secret,
      hmacKeySignatureSecret: this.#keySecret,
    });
    return { parameters, signature };
  }

  /**
   * Checks a solution payload (the widget's: base64 of JSON `{ challenge,
   * solution }`). `ok` once per challenge; never throws.
   */
  async verify(payload: string): Promise<PowOutcome> {
    const parsed = parsePayload(payload);
    if (!parsed) return "invalid";
    const { challenge, solution } = parsed;
    const until = (challenge.parameters.expiresAt ?? 0) * 1000;
    if (until <= this.#clock.now()) return "expired";
    try {
      const result = await verifySolution({
        challenge,
        solution,
        deriveKey,
        hmacSignatureSecret: this.#secret,
        hmacKeySignatureSecret: this.#keySecret,
      });
      if (result.expired) return "expired";
      if (!result.verified) return "invalid";
      return await this.#useOnce("pow:" + challenge.signature, until)
        ? "ok"
        : "reused";
    } catch {
      return "invalid";
    }
  }
}

const HEX = /^(?:[0-9a-f]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hex(value: unknown, most: number): value is string {
  return typeof value === "string" && value.length <= most && HEX.test(value);
}

function whole(value: unknown, least: number, most: number): value is number {
  return Number.isInteger(value) && (value as number) >= least &&
    (value as number) <= most;
}

/**
 * The challenge and solution in a payload, rebuilt from the fields a
 * challenge of ours has (any other field is dropped: never signed, never
 * looked at), or `null` when it is not a well-formed payload. Pure; never
 * throws.
 */
export function parsePayload(
  payload: unknown,
): { challenge: Challenge; solution: Solution } | null {
  if (
    typeof payload !== "string" || payload.length > MAX_PAYLOAD_LENGTH ||
    !BASE64.test(payload)
  ) {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(atob(payload));
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  const { challenge, solution } = value;
  if (!isObject(challenge) || !isObject(solution)) return null;
  const { parameters: p, signature } = challenge;
  if (!isObject(p) || !hex(signature, 128)) return null;
  const { counter, derivedKey } = solution;
  if (!whole(counter, 0, MAX_COUNTER) || !hex(derivedKey, 128)) return null;
  if (
    typeof p.algorithm !== "string" || !whole(p.cost, 1, 1_000_000) ||
    !whole(p.keyLength, 1, 64) || !hex(p.keyPrefix, 128) ||
    !hex(p.nonce, 128) || !hex(p.salt, 128) ||
    !whole(p.expiresAt, 1, Number.MAX_SAFE_INTEGER) ||
    (p.keySignature !== undefined && !hex(p.keySignature, 128))
  ) {
    return null;
  }
  return {
    challenge: {
      parameters: {
        algorithm: p.algorithm,
        cost: p.cost,
        expiresAt: p.expiresAt,
        keyLength: p.keyLength,
        keyPrefix: p.keyPrefix,
        keySignature: p.keySignature as string | undefined,
        nonce: p.nonce,
        salt: p.salt,
      },
      signature,
    },
    solution: { counter, derivedKey },
  };
}
