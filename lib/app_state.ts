/**
 * What every route handler can reach: the configuration and the live parts
 * of the running server.
 *
 * @module
 */

import type { AddressLimits } from "./ws/admission.ts";
import type { BundleManifest } from "./web/bundle.ts";
import type { Config } from "./ops/config.ts";
import type { Logger } from "./ops/log.ts";
import type { Metrics } from "./ops/metrics.ts";
import type { Switchboard } from "./pairing.ts";

/** The server's shared state, one per running server. */
export interface AppState {
  config: Config;
  switchboard: Switchboard;
  log: Logger;
  metrics: Metrics;
  limits: AddressLimits;
  /** WebSockets this server may hold at once (`MAX_CONNECTIONS`). */
  connectionCap: number;
  bundles: BundleManifest;
  /** Milliseconds since epoch when the server started. */
  startedAt: number;
  /** True once shutdown began: new sockets are refused, health says 503. */
  draining: boolean;
  /** Whether the pairing backend answers (always true in memory). */
  backendUp: () => boolean;
}
