/**
 * The live figures of one instance for `/healthz` and `/metrics`: who is
 * connected, waiting and chatting, and whether it can serve.
 *
 * @module
 */

import type { AppState } from "../app_state.ts";
import { VERSION } from "./version.ts";

/** What `/healthz` and `/metrics` both report. */
export interface LiveFigures {
  /** True unless shutting down or the backend is unreachable. */
  ok: boolean;
  draining: boolean;
  backendUp: boolean;
  /** Sockets held by this instance. */
  connections: number;
  /** Visitors connected, cluster-wide where the backend knows. */
  online: number;
  /**
   * Visitors on this instance who asked for a partner and have none yet
   * (parked by the pairing cap included).
   */
  waiting: number;
  /** Visitors on this instance in a conversation. */
  chatting: number;
  /**
   * Conversations on this instance: `chatting / 2`. With a shared backend a
   * pair spanning two instances counts one half on each.
   */
  pairs: number;
}

/** Reads the live figures; walks the local sessions once to count waiters. */
export function liveFigures(state: AppState): LiveFigures {
  const { switchboard } = state;
  let waiting = 0;
  for (const session of switchboard.sessions()) {
    const { state } = session;
    if (state === "waiting" || state === "matching" || state === "parked") {
      waiting++;
    }
  }
  const backendUp = state.backendUp();
  return {
    ok: !state.draining && backendUp,
    draining: state.draining,
    backendUp,
    connections: switchboard.connected,
    online: switchboard.online,
    waiting,
    chatting: switchboard.chatting,
    pairs: switchboard.chatting / 2,
  };
}

/**
 * The `/healthz` body. The counts are there only for those who may read
 * them (see {@linkcode HealthReportOptions.counts}).
 */
export interface HealthReport {
  status: "ok" | "draining" | "backend_down";
  version: string;
  /** Seconds since the server started. */
  uptime: number;
  connections?: number;
  online?: number;
  waiting?: number;
  pairs?: number;
  backend: { kind: string; up: boolean };
}

/** Options for {@linkcode healthReport}. */
export interface HealthReportOptions {
  /**
   * Whether to include the counts (connections, online, waiting, pairs),
   * which would tell anyone when someone waits alone. @default {false}
   */
  counts?: boolean;
}

/** The health report and the HTTP status to answer it with (200 or 503). */
export function healthReport(
  state: AppState,
  options: HealthReportOptions = {},
): { status: 200 | 503; report: HealthReport } {
  const live = liveFigures(state);
  const counts = options.counts
    ? {
      connections: live.connections,
      online: live.online,
      waiting: live.waiting,
      pairs: live.pairs,
    }
    : {};
  const report: HealthReport = {
    status: live.draining ? "draining" : live.backendUp ? "ok" : "backend_down",
    version: VERSION,
    uptime: Math.round((Date.now() - state.startedAt) / 1000),
    ...counts,
    backend: { kind: backendKind(state), up: live.backendUp },
  };
  return { status: live.ok ? 200 : 503, report };
}

/** `memory`, `redis`, `kv`: what the backend says it is. */
function backendKind(state: AppState): string {
  return state.switchboard.backend.kind;
}
