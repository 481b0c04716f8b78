/**
 * The chat server's parts, apart from HTTP: the pairing switchboard and its
 * backend, the per-address limits, logs and metrics ({@linkcode AppState}),
 * and the two halves of a graceful stop: draining every socket with 1001
 * (with a shared backend, resumable chats are handed over instead: see
 * {@linkcode drain}), then releasing the backend.
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
/**
 * How long a drain that handed chats over stays up after the last: what
 * their partners sent before they heard where they went is forwarded.
 */
const FORWARD_MS = 2_000;

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
    resumeGrace: config.resumeGrace,
    resumeBufferLines: config.resumeBufferLines,
    resumeBufferBytes: config.resumeBufferBytes,
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
 *
 * With a shared backend (Redis, Deno KV) and resume on, a chat of a
 * resumable visitor is not ended: it pauses, its socket closed with 1012,
 * and the drain waits (the grace at most) until every paused chat was
 * resumed on another instance and handed over, or ran out of grace; then
 * {@linkcode FORWARD_MS} more for the forwards. A rolling restart loses no
 * chat that way. In memory a restart still ends every chat.
 */
export async function drain(state: AppState): Promise<void> {
  state.draining = true;
  const { switchboard, config } = state;
  state.log.info("shutdown", { connections: switchboard.connected });
  const handOver = switchboard.backend.shared && config.resumeGrace > 0;
  const { code, reason } = CLOSE.goingAway;
  switchboard.closeAll(code, reason, handOver ? CLOSE.restart.code : 0);
  if (handOver && switchboard.paused > 0) {
    state.log.info("handover", { chats: switchboard.paused });
    await until(
      () => switchboard.paused === 0,
      config.resumeGrace * 1000 + 1000,
    );
    await new Promise((r) => setTimeout(r, FORWARD_MS));
  }
  await until(() => state.openSockets === 0, DRAIN_GRACE_MS);
}

/** Resolves once `done()` holds, or after `ms`. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) {
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
