/**
 * The wire protocol: validation of every client frame into a discriminated
 * union, and the server frames, built as strings once. Wire-compatible with
 * the original widget (`request`, `response`, `message` with `from`), plus
 * `presence`, `typing`, `online`, `error`, and resuming a chat after a drop
 * (`resume`, `resumed`, `partner_away`, `partner_back`, lines' `seq`).
 *
 * @module
 */

import { parseInterests, parseLanguage } from "./interests.ts";
import { parseReport, type ReportFrame } from "../moderation/report_frame.ts";

export type { ReportFrame };

/**
 * `request`: find me a partner. All fields but `type` are optional, and a
 * bare `{"type":"request"}` (the original widget) pairs first come, first
 * served as it always did.
 */
export interface RequestFrame {
  type: "request";
  /** The browser's own name across sockets, never relayed or logged. */
  token?: string;
  /** What the visitor wants to talk about, normalised (`interests.ts`). */
  interests?: string[];
  /** The page's language, as its primary subtag (`pt-BR` → `pt`). */
  lang?: string;
  /** Only partners who share an interest: no fallback. */
  strict?: boolean;
  /** A solved proof-of-work challenge (ALTCHA payload, base64). */
  pow?: string;
  /** The client can resume after a drop: the response carries a token. */
  resume?: boolean;
}

/** `message`: one chat line, with the sender's own number for it. */
export interface MessageFrame {
  type: "message";
  message: string;
  /** Its number in this chat (1, 2, 3 …, kept when resent); absent: next. */
  seq?: number;
}

/** `resume`: instead of `request`, take over a chat whose socket dropped. */
export interface ResumeFrame {
  type: "resume";
  /** The `resume` token of this side's `response`. */
  token: string;
  /** The highest partner `seq` the client has (0: none). */
  seen: number;
}

/** A valid frame from a client. */
export type ClientFrame =
  | RequestFrame
  /** The page is open: count me and push me the online count; no timeout. */
  | { type: "presence" }
  /**
   * Never match me with this stranger again: the partner of the chat on,
   * else the last one met by this `token` (or address).
   */
  | { type: "block"; token?: string }
  /** Waiting for interests only: take anyone now. */
  | { type: "widen" }
  /** This stranger broke the rules: the chat on, else the last one. */
  | ReportFrame
  | MessageFrame
  | ResumeFrame
  | { type: "typing"; on: boolean };

/** Stable error codes sent in `error` frames (documented in the README). */
export const ERROR_CODES = [
  "bad_json",
  "bad_frame",
  "bad_interests",
  "unknown_type",
  "empty_message",
  "message_too_long",
  "binary_not_supported",
  "not_paired",
  "already_requested",
  "already_present",
  "rate_limited",
  "unavailable",
  "not_delivered",
  "nothing_to_block",
  "not_waiting",
  "bad_report",
  "nothing_to_report",
  "filtered",
  "pow_required",
  "pow_invalid",
  "resume_failed",
] as const;

/** One of {@linkcode ERROR_CODES}. */
export type ErrorCode = typeof ERROR_CODES[number];

/** The result of parsing one client frame: never thrown, always returned. */
export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: ErrorCode; reason: string };

/** Options for {@linkcode parseClientFrame}. */
export interface ParseOptions {
  /** Longest accepted message, in UTF-16 code units.
   * @default {2000} */
  maxMessageLength?: number;
}

/** A browser token: what `request` may carry besides its type. */
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

/** Longest proof-of-work payload accepted (a solution is about 300). */
const MAX_POW_LENGTH = 2048;

const TOKEN_REASON = "token must be 16 to 64 of [A-Za-z0-9_-]";

/** A resume token as the server makes them (`resume.ts`), with room. */
const RESUME_TOKEN = /^[A-Za-z0-9_-]{22,64}$/;

function isCount(value: unknown, least: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= least;
}

function isToken(value: unknown): value is string {
  return typeof value === "string" && TOKEN.test(value);
}

function fail(code: ErrorCode, reason: string): ParseResult {
  return { ok: false, code, reason };
}

/** A `request` frame's optional fields, each checked; unknown ones ignored. */
function parseRequest(frame: Record<string, unknown>): ParseResult {
  const request: RequestFrame = { type: "request" };
  const { token, interests, lang, strict, pow, resume } = frame;
  if (token !== undefined) {
    if (!isToken(token)) return fail("bad_frame", TOKEN_REASON);
    request.token = token;
  }
  if (interests !== undefined) {
    const parsed = parseInterests(interests);
    if (!parsed.ok) return fail("bad_interests", parsed.reason);
    request.interests = parsed.interests;
  }
  if (lang !== undefined) {
    const language = parseLanguage(lang);
    if (language === null) {
      return fail(
        "bad_frame",
        "lang must be a language tag such as en or pt-BR",
      );
    }
    request.lang = language;
  }
  if (strict !== undefined) {
    if (typeof strict !== "boolean") {
      return fail("bad_frame", "strict must be true or false");
    }
    request.strict = strict;
  }
  if (pow !== undefined) {
    if (typeof pow !== "string" || pow.length > MAX_POW_LENGTH) {
      return fail("bad_frame", "pow must be a solution payload string");
    }
    request.pow = pow;
  }
  if (resume !== undefined) {
    if (typeof resume !== "boolean") {
      return fail("bad_frame", "resume must be true or false");
    }
    request.resume = resume;
  }
  return { ok: true, frame: request };
}

/**
 * Parses and validates one text frame from a client. Never throws: malformed
 * input yields `{ ok: false, code, reason }`.
 */
export function parseClientFrame(
  data: string,
  options: ParseOptions = {},
): ParseResult {
  const maxLength = options.maxMessageLength ?? 2000;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return fail("bad_json", "frame is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail("bad_frame", "frame must be a JSON object");
  }
  const frame = value as Record<string, unknown>;
  const type = frame.type;
  if (typeof type !== "string") {
    return fail("bad_frame", "frame needs a string field type");
  }
  switch (type) {
    case "request":
      return parseRequest(frame);
    case "block": {
      const token = frame.token;
      if (token === undefined) return { ok: true, frame: { type } };
      if (!isToken(token)) return fail("bad_frame", TOKEN_REASON);
      return { ok: true, frame: { type, token } };
    }
    case "report": {
      const parsed = parseReport(frame, maxLength, isToken);
      return parsed.ok ? parsed : fail("bad_report", parsed.reason);
    }
    case "presence":
    case "widen":
      return { ok: true, frame: { type } };
    case "message": {
      const message = frame.message;
      if (typeof message !== "string") {
        return fail("bad_frame", "message must be a string");
      }
      if (!hasVisibleCharacter(message)) {
        return fail("empty_message", "message has no visible character");
      }
      if (message.length > maxLength) {
        return fail(
          "message_too_long",
          `message is longer than ${maxLength} characters`,
        );
      }
      if (!isWellFormed(message)) {
        return fail("bad_frame", "message holds a lone surrogate");
      }
      const seq = frame.seq;
      if (seq === undefined) return { ok: true, frame: { type, message } };
      if (!isCount(seq, 1)) {
        return fail("bad_frame", "seq must be a positive whole number");
      }
      return { ok: true, frame: { type, message, seq } };
    }
    case "resume": {
      const { token, seen } = frame;
      if (typeof token !== "string" || !RESUME_TOKEN.test(token)) {
        return fail("bad_frame", "token must be a resume token");
      }
      if (!isCount(seen, 0)) {
        return fail("bad_frame", "seen must be a whole number, 0 or more");
      }
      return { ok: true, frame: { type, token, seen } };
    }
    case "typing": {
      const on = frame.on;
      if (typeof on !== "boolean") {
        return fail("bad_frame", "typing needs a boolean field on");
      }
      return { ok: true, frame: { type, on } };
    }
    default:
      return fail("unknown_type", "unknown frame type");
  }
}

// White space, format characters (zero-width spaces and joiners, word
// joiner, BOM, soft hyphen, bidi controls: all \p{Cf}), fillers that render
// as nothing (Hangul fillers, halfwidth filler), blank braille, the
// combining grapheme joiner, variation selectors and other invisible marks.
const INVISIBLE =
  /^[\s\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u2800\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]*$/u;

/**
 * True when `text` shows something: not only white space, zero-width,
 * filler, blank-braille, bidi-control or other invisible characters.
 */
export function hasVisibleCharacter(text: string): boolean {
  return !INVISIBLE.test(text);
}

function isWellFormed(text: string): boolean {
  // String.prototype.isWellFormed is in V8; the cast keeps older lib typings happy.
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * The `response` (paired), with the interests both share (`common`, for a
 * request with interests; `[]` when paired by fallback) and this side's
 * resume offer (for a request with `resume`): either may be absent.
 */
export function responseFrame(
  common?: readonly string[],
  resume?: ResumeOffer,
): string {
  let frame = '{"type":"response"';
  if (common) frame += ',"common":' + JSON.stringify(common);
  // A token is base64url: nothing in it needs escaping.
  if (resume) frame += `,"resume":"${resume.token}","grace":${resume.grace}`;
  return frame + "}";
}

/** What a resumable visitor's `response` offers: its token, the grace (s). */
export interface ResumeOffer {
  token: string;
  grace: number;
}

/** `{"type":"partner_away"}`: the partner's connection dropped; it may resume. */
export const PARTNER_AWAY_FRAME = '{"type":"partner_away"}';

/** `{"type":"partner_back"}`: the partner resumed the chat. */
export const PARTNER_BACK_FRAME = '{"type":"partner_back"}';

/**
 * `{"type":"resumed","seen":m}`: the chat goes on on this socket; `m` is
 * the highest `seq` of this side's lines the server has.
 */
export function resumedFrame(seen: number): string {
  return '{"type":"resumed","seen":' + seen + "}";
}

/** `{"type":"blocked"}`: that stranger will not be matched with you again. */
export const BLOCKED_FRAME = '{"type":"blocked"}';

/** `{"type":"typing","on":…}` as relayed to the partner. */
export const TYPING_FRAMES = {
  on: '{"type":"typing","on":true}',
  off: '{"type":"typing","on":false}',
} as const;

/**
 * A chat line as the sender (`me`, with its own number `mine` for it) and
 * as the partner (`guest`, with `theirs`: the lines relayed that way in the
 * chat, this one included) receive it.
 */
export function messageFrames(
  message: string,
  mine: number,
  theirs: number,
): [me: string, guest: string] {
  const head = '{"type":"message","message":' + JSON.stringify(message) +
    ',"from":';
  return [
    head + '"me","seq":' + mine + "}",
    head + '"guest","seq":' + theirs + "}",
  ];
}

/** `{"type":"online","count":N}`: how many visitors are connected. */
export function onlineFrame(count: number): string {
  return `{"type":"online","count":${count}}`;
}

/**
 * `{"type":"error","code":…,"reason":…}`, with `extra` fields (such as a
 * proof-of-work `challenge`) after them.
 */
export function errorFrame(
  code: ErrorCode,
  reason: string,
  extra?: Record<string, unknown>,
): string {
  return JSON.stringify({ type: "error", code, reason, ...extra });
}

/**
 * `{"type":"reported"}`: the report was taken (the reporter's chat, if one
 * was on, has ended); `verified` of its lines matched the server's digests.
 */
export function reportedFrame(verified: number, lines: number): string {
  return `{"type":"reported","verified":${verified},"lines":${lines}}`;
}

/** Close codes the server uses, with their reasons. */
export const CLOSE = {
  goingAway: { code: 1001, reason: "server_shutdown" },
  restart: { code: 1012, reason: "service_restart" },
  policy: { code: 1008, reason: "rate_abuse" },
  tooBig: { code: 1009, reason: "frame_too_large" },
  backend: { code: 1011, reason: "backend_unavailable" },
  partnerLeft: { code: 4000, reason: "partner_left" },
  requestTimeout: { code: 4001, reason: "request_timeout" },
  slowReader: { code: 4002, reason: "too_slow" },
  banned: { code: 4003, reason: "banned" },
  reported: { code: 4004, reason: "reported" },
  resumeFailed: { code: 4005, reason: "resume_failed" },
  partnerTimeout: { code: 4006, reason: "partner_timeout" },
  partnerOverflow: { code: 4007, reason: "partner_overflow" },
  resumedElsewhere: { code: 4008, reason: "resumed_elsewhere" },
} as const;

/**
 * The standard codes the server never sends: a client closes with `normal`;
 * the browser reports `noStatus` (no code given) and `abnormal` (no close
 * frame: the connection dropped) itself.
 */
export const WS_CLOSE = {
  normal: 1000,
  noStatus: 1005,
  abnormal: 1006,
} as const;
