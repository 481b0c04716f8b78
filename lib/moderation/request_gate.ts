/**
 * What becomes of a `request` before it reaches the pairing queue: a visible
 * ban closes the socket with 4003 and says until when; a shadow ban lets it
 * through to the banned visitors' own pool; the proof of work, when
 * required, sends a fresh challenge back until a good solution comes. Plain
 * requests are decided synchronously (the hot path): only a proof of work
 * to issue or check waits.
 *
 * @module
 */

import { CLOSE } from "../ws/protocol.ts";
import type { ProofOfWork } from "./pow.ts";

/** What the gate decides for one `request`. */
export type GateVerdict =
  /** Go on pairing; `shadow`: only with other shadowbanned visitors. */
  | { kind: "pass"; shadow: boolean }
  /** Close the socket with `code` and `reason` (a visible ban). */
  | { kind: "close"; code: number; reason: string }
  /** Answer an `error` frame with `challenge`; the request is not entered. */
  | {
    kind: "error";
    code: "pow_required" | "pow_invalid";
    reason: string;
    challenge: Record<string, unknown>;
  };

/** A ban as far as the gate looks at it (the store's `Ban`). */
export interface GateBan {
  /** Milliseconds since epoch when it ends. */
  until: number;
  /** Told to the visitor (4003) rather than a shadow ban. */
  visible: boolean;
  /** The operator's words, shown when short and printable. */
  reason: string;
}

/** What the gate asks of the moderation (the `Moderation` class). */
export interface GateModeration {
  /** The active ban on any of `subjects`, from memory. */
  banned(subjects: readonly string[]): GateBan | undefined;
  /** Whether open reports exist against any of `subjects`. */
  flagged(subjects: readonly string[]): boolean;
}

/** Options for {@linkcode RequestGate}. */
export interface RequestGateOptions {
  /** Bans and reports; absent: nobody is banned or flagged. */
  moderation?: GateModeration;
  /** The proof of work; absent: never asked. */
  pow?: ProofOfWork;
}

/** Longest close reason a WebSocket carries is 123 bytes; we keep to 120. */
const MAX_REASON_BYTES = 120;

const PASS: GateVerdict = Object.freeze({ kind: "pass", shadow: false });
const PASS_SHADOW: GateVerdict = Object.freeze({ kind: "pass", shadow: true });

/** The `pow_required` reason. */
export const POW_REQUIRED_REASON =
  "solve the proof-of-work challenge, then send request again with pow";

const INVALID_REASONS = {
  invalid: "wrong proof-of-work solution: solve the new challenge",
  expired: "proof of work expired: solve the new challenge",
  reused: "proof of work already used: solve the new challenge",
} as const;

/** Decides, request by request, who is closed, shadowed, or asked to work. */
export class RequestGate {
  #moderation: GateModeration | undefined;
  #pow: ProofOfWork | undefined;

  constructor(options: RequestGateOptions = {}) {
    this.#moderation = options.moderation;
    this.#pow = options.pow;
  }

  /**
   * The verdict on a `request` from address group `group`, whose visitor
   * is `subjects` (see `identityOf`) and sent `pow` (its `pow` field).
   * Synchronous unless a challenge is to be issued or a solution checked.
   */
  check(
    group: string,
    subjects: readonly string[],
    pow: string | undefined,
  ): GateVerdict | Promise<GateVerdict> {
    const moderation = this.#moderation;
    const ban = moderation?.banned(subjects);
    if (ban?.visible) {
      return {
        kind: "close",
        code: CLOSE.banned.code,
        reason: banReason(ban),
      };
    }
    const shadow = ban !== undefined;
    const work = this.#pow;
    if (!work || work.mode === "off") return shadow ? PASS_SHADOW : PASS;
    const flagged = work.mode === "suspicious" &&
      moderation?.flagged(subjects) === true;
    if (!work.required(group, flagged)) return shadow ? PASS_SHADOW : PASS;
    return pow === undefined
      ? this.#ask(work, "pow_required", POW_REQUIRED_REASON)
      : this.#verify(work, group, pow, shadow);
  }

  async #verify(
    work: ProofOfWork,
    group: string,
    payload: string,
    shadow: boolean,
  ): Promise<GateVerdict> {
    const outcome = await work.verify(payload);
    if (outcome === "ok") {
      work.solved(group);
      return shadow ? PASS_SHADOW : PASS;
    }
    return this.#ask(work, "pow_invalid", INVALID_REASONS[outcome]);
  }

  async #ask(
    work: ProofOfWork,
    code: "pow_required" | "pow_invalid",
    reason: string,
  ): Promise<GateVerdict> {
    return { kind: "error", code, reason, challenge: await work.challenge() };
  }
}

const encoder = new TextEncoder();

/**
 * The 4003 close reason for `ban`: "banned until 2026-12-04 10:00 UTC",
 * with the operator's reason after a colon when it is printable and the
 * whole fits in 120 bytes.
 */
export function banReason(ban: GateBan): string {
  const when = utcMinute(ban.until);
  const head = when ? `banned until ${when}` : "banned";
  const words = typeof ban.reason === "string" ? ban.reason.trim() : "";
  if (words === "" || !/^[^\p{C}]+$/u.test(words)) return head;
  const full = `${head}: ${words}`;
  return encoder.encode(full).length <= MAX_REASON_BYTES ? full : head;
}

/** `ms` as "YYYY-MM-DD HH:MM UTC", or `null` when it is no date. */
function utcMinute(ms: number): string | null {
  if (!Number.isFinite(ms)) return null;
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return null;
  const iso = date.toISOString();
  // Years past 9999 are written with a sign and six digits.
  if (!/^\d{4}-/.test(iso)) return null;
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
