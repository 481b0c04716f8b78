/**
 * What the console's JSON API speaks, shared by the server and the console
 * island (browser-safe: no imports but types): the limits of a ban, the
 * durations the console offers, the CSRF header, and the counts' shape.
 *
 * @module
 */

/** The header a console change carries its CSRF token in. */
export const CSRF_HEADER = "X-CSRF-Token";

/** The shortest ban, in seconds. */
export const MIN_BAN_SECONDS = 60;
/** The longest ban, in seconds: a year. */
export const MAX_BAN_SECONDS = 365 * 86_400;
/** The longest reason of a ban, in characters. */
export const MAX_REASON = 200;

/** The durations the console offers for a ban. */
export const BAN_DURATIONS: readonly { label: string; seconds: number }[] = [
  { label: "1 hour", seconds: 3_600 },
  { label: "24 hours", seconds: 86_400 },
  { label: "7 days", seconds: 7 * 86_400 },
  { label: "30 days", seconds: 30 * 86_400 },
];

/** `GET /admin/api/stats`: the live counts. */
export interface Stats {
  /** Visitors online (across instances where the backend counts them). */
  online: number;
  /** Visitors in a chat on this instance. */
  chatting: number;
  openReports: number;
  activeBans: number;
}

/** The body of every refused API request. */
export interface ApiError {
  error: string;
}
