/**
 * The chat server's parts, apart from HTTP: the pairing switchboard and its
 * backend, the per-address limits, logs and metrics ({@linkcode AppState}),
 * and the two halves of a graceful stop: draining every socket with 1001,
 * then releasing the backend.
 *
 * @module
 */

import type { AppState } from "./app_state.ts";
import { type Backend, createBackend } from "./backends/mod.ts";
import type { Config } from "./ops/config.ts";
import { errorName, Logger } from "./ops/log.ts";
import { Metrics } from "./ops/metrics.ts";
import { earlyFilterOf } from "./moderation/early_filter.ts";
import { Moderation } from "./moderation/moderation.ts";
import { ProofOfWork } from "./moderation/pow.ts";
import { Switchboard } from "./pairing.ts";
import { AddressLimits } from "./ws/admission.ts";
import { CLOSE } from "./ws/protocol.ts";

/** How long a drain waits for sockets to finish closing. */
const DRAIN_GRACE_MS = 8_000;

/** Options for {@linkcode createState}. */
export interface StateOptions {
  /** Where logs go. @default {a Logger configured from `config`} */
  log?: Logger;
  /** The pairing backend. @default {the one `config` names, see createBackend} */
  backend?: Backend;
  /**
   * Reports and bans; {@linkcode release} closes it.
   * @default {Moderation.open(config)}
   */
  moderation?: Moderation;
  /** The proof of work. @default {one from `config`, on the moderation store} */
  pow?: ProofOfWork;
}

/** Opens the backend and builds the server's state from `config`. */
export async function createState(
  config: Config,
  options: StateOptions = {},
): Promise<AppState> {
  const log = options.log ??
    new Logger({ format: config.logFormat, level: config.logLevel });
  const metrics = new Metrics();
  const earlyFilter = await earlyFilterOf(config);
  const backend: Backend = options.backend ?? await createBackend(config);
  let moderation: Moderation;
  try {
    moderation = options.moderation ?? await Moderation.open(config);
  } catch (error) {
    if (!options.backend) await backend.close();
    throw error;
  }
  const pow = options.pow ?? new ProofOfWork({
    mode: config.powMode,
    maxNumber: config.powMaxNumber,
    handshakes: config.powHandshakes,
    shortChats: config.powShortChats,
    useOnce: (key, until) => moderation.store.useOnce(key, until),
  });
  const switchboard = new Switchboard({
    backend,
    maxPairingsPerMinute: config.maxPairingsPerMinute,
    matchFallback: config.matchFallback,
    matchStrictLanguage: config.matchStrictLanguage,
    matchRecentPartners: config.matchRecentPartners,
    moderation,
    pow,
    evidence: config.evidence,
    earlyFilter,
  });
  switchboard.stats.onPaired = (seconds) => metrics.observeWait(seconds);
  return {
    config,
    switchboard,
    log,
    metrics,
    limits: new AddressLimits({
      maxSockets: config.maxSocketsPerIp,
      maxHandshakesPerMinute: config.maxHandshakesPerMinute,
      ipv4Prefix: config.ipv4Prefix,
    }),
    moderation,
    pow,
    connectionCap: config.maxConnections || Infinity,
    openSockets: 0,
    startedAt: Date.now(),
    draining: false,
    backendUp: () => backend.available !== false,
  };
}

/**
 * Refuses new sockets and closes every open one with 1001 (no 4000 to
 * partners), waiting until they are gone or a grace period ends.
 */
export async function drain(state: AppState): Promise<void> {
  state.draining = true;
  state.log.info("shutdown", { connections: state.switchboard.connected });
  state.switchboard.closeAll(CLOSE.goingAway.code, CLOSE.goingAway.reason);
  const deadline = Date.now() + DRAIN_GRACE_MS;
  while (state.openSockets > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Stops the switchboard's timers and closes the backend and the moderation
 * store, after a drain.
 */
export async function release(state: AppState): Promise<void> {
  state.switchboard.dispose();
  await state.switchboard.backend.close();
  await state.moderation.close();
  state.log.info("stopped", { uptime: (Date.now() - state.startedAt) / 1000 });
}

/**
 * Counts and logs errors that reached the top of the process instead of
 * letting them end it; returns a function that stops watching.
 */
export function watchUncaught(state: AppState): () => void {
  const onUncaught = (event: Event) => {
    event.preventDefault();
    state.metrics.uncaught++;
    const error = (event as PromiseRejectionEvent).reason ??
      (event as ErrorEvent).error;
    state.log.error("uncaught", { type: event.type, error: errorName(error) });
  };
  globalThis.addEventListener("unhandledrejection", onUncaught);
  globalThis.addEventListener("error", onUncaught);
  return () => {
    globalThis.removeEventListener("unhandledrejection", onUncaught);
    globalThis.removeEventListener("error", onUncaught);
  };
}
