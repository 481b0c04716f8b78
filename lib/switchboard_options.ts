/**
 * What a `Switchboard` (`pairing.ts`) is built with, and the counters it keeps.
 * The safety options (reports, bans, proof of work, evidence, the early
 * filter) are `moderation/chat_safety.ts`'s; the resume options are
 * `resume.ts`'s.
 *
 * @module
 */

import type { Backend } from "./backends/backend.ts";
import type { Clock } from "./clock.ts";
import type { ChatSafetyOptions } from "./moderation/chat_safety.ts";
/** Counters the switchboard keeps for health and metrics. */
export interface SwitchboardStats {
  pairsMade: number;
  messagesRelayed: number;
  /** Deliveries to peers elsewhere that the backend reported lost. */
  deliveriesLost: number;
  /** Seconds each pairing took from request to response. */
  onPaired?: (waitSeconds: number) => void;
}

/** Options for the `Switchboard`. */
export interface SwitchboardOptions
  extends Omit<ChatSafetyOptions, "clock" | "leave"> {
  /** Where the queue lives. @default {new MemoryBackend()} */
  backend?: Backend;
  /** Minimum milliseconds between two `online` pushes. @default {1000} */
  onlineInterval?: number;
  /**
   * Requests per minute per address group that enter matching; past it a
   * request waits (parked) until the group's sliding minute allows it.
   * 0: no cap. @default {0}
   */
  maxPairingsPerMinute?: number;
  /** Time and timers for the cap and the recent partners. @default {SYSTEM_CLOCK} */
  clock?: Clock;
  /** Seconds before preferences fall back to anyone. @default {10} */
  matchFallback?: number;
  /** Languages never fall back. @default {false} */
  matchStrictLanguage?: boolean;
  /** Recent partners not met again for 10 minutes. @default {3} */
  matchRecentPartners?: number;
  /**
   * Seconds the chat of a resumable visitor whose connection dropped waits
   * for it to resume (`resume.ts`); 0: resume is off, no token is given.
   * @default {30}
   */
  resumeGrace?: number;
  /**
   * Lines held for a resumable visitor: its partner's last ones, and at
   * most this many sent while it is away (past it: 4007). @default {50}
   */
  resumeBufferLines?: number;
  /**
   * The same bound in size of frames, counted in string length.
   * @default {65536}
   */
  resumeBufferBytes?: number;
}
