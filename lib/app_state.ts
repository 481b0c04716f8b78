/**
 * What every route handler can reach: the configuration and the live parts
 * of the running server.
 *
 * @module
 */

import type { AddressLimits } from "./ws/admission.ts";
import type { Config } from "./ops/config.ts";
import type { Logger } from "./ops/log.ts";
import type { Metrics } from "./ops/metrics.ts";
import type { Moderation } from "./moderation/moderation.ts";
import type { ProofOfWork } from "./moderation/pow.ts";
import type { Switchboard } from "./pairing.ts";
import type { RouteContext } from "./web/router.ts";

/** The server's shared state, one per running server. */
export interface AppState {
  config: Config;
  switchboard: Switchboard;
  log: Logger;
  metrics: Metrics;
  limits: AddressLimits;
  /** Reports, bans and the audit log, with the bans' in-memory view. */
  moderation: Moderation;
  /** The proof of work: who must solve one, its challenges and checks. */
  pow: ProofOfWork;
  /** WebSockets this server may hold at once (`MAX_CONNECTIONS`). */
  connectionCap: number;
  /**
   * WebSockets upgraded and not yet closed: what the connection cap and a
   * drain count.
   */
  openSockets: number;
  /** Milliseconds since epoch when the server started. */
  startedAt: number;
  /** True once shutdown began: new sockets are refused, health says 503. */
  draining: boolean;
  /** Whether the pairing backend answers (always true in memory). */
  backendUp: () => boolean;
}

/** What this app's route handlers receive. */
export type AppContext<Data = unknown> = RouteContext<Data, AppState>;
