/**
 * The fixture of the shared-backend tests: a cluster of switchboards in one
 * process, each standing for an instance with its own backend on one store
 * (a Redis server, a Deno KV file), and a way to pair two visitors.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ClusterBackend } from "../lib/backends/cluster.ts";
import { Switchboard } from "../lib/pairing.ts";
import { Visitor } from "./board_visitor.ts";
import { until } from "./support/wait.ts";

/** A store the instances share, and how each opens its backend on it. */
export interface Store<B extends ClusterBackend = ClusterBackend> {
  /** Opens one instance's backend on the store. */
  open(): Promise<B>;
  /** Stops or deletes the store, once every backend is closed. */
  remove(): Promise<void>;
}

/** The kind of backend a store opens. */
export type BackendOf<S extends Store> = Awaited<ReturnType<S["open"]>>;

/** Switchboards on one store, index by index with their backends. */
export interface Cluster<S extends Store> {
  store: S;
  boards: Switchboard[];
  backends: BackendOf<S>[];
  /** Closes every visitor with 1001, then the backends, then the store. */
  close(): Promise<void>;
}

/** Opens `instances` switchboards, each on its own backend on `store`. */
export async function startCluster<S extends Store>(
  store: S,
  instances: number,
): Promise<Cluster<S>> {
  const boards: Switchboard[] = [];
  const backends: BackendOf<S>[] = [];
  for (let i = 0; i < instances; i++) {
    const backend = await store.open() as BackendOf<S>;
    backends.push(backend);
    boards.push(new Switchboard({ backend, onlineInterval: 50 }));
  }
  return {
    store,
    boards,
    backends,
    async close() {
      for (const board of boards) {
        board.closeAll(1001, "server_shutdown");
        board.dispose();
      }
      await new Promise((r) => setTimeout(r, 10));
      await Promise.all(backends.map((b) => b.close()));
      await store.remove();
    },
  };
}

/** Options for {@linkcode clusterTest}. */
export interface ClusterTestOptions<S extends Store> {
  /** How many switchboards share the store. */
  instances: number;
  /** Makes a fresh store for the test. */
  store: () => Promise<S>;
  /** Skips the test (when the store cannot run here). @default {false} */
  ignore?: boolean;
}

/** A test on switchboards sharing one fresh store, closed after. */
export function clusterTest<S extends Store>(
  name: string,
  options: ClusterTestOptions<S>,
  fn: (c: Cluster<S>, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: options.ignore ?? false,
    async fn(t) {
      const c = await startCluster(await options.store(), options.instances);
      try {
        await fn(c, t);
      } finally {
        await c.close();
      }
    },
  });
}

/**
 * Makes a visitor on each of `boards` and pairs them: the first asks and is
 * seen waiting, then the second asks; resolves once both have their
 * response and each is the other's partner. Each wait fails after `ms`.
 */
export async function pair(
  boards: [Switchboard, Switchboard],
  ms = 5000,
): Promise<[Visitor, Visitor]> {
  const first = new Visitor(boards[0]);
  const second = new Visitor(boards[1]);
  first.request();
  await until(() => first.session.state === "waiting", ms, "first waits");
  second.request();
  await until(() => first.paired && second.paired, ms, "paired");
  assert.equal(first.session.partner, second.session.id);
  assert.equal(second.session.partner, first.session.id);
  return [first, second];
}

/**
 * Pairs `waiter` (who asks first and is seen waiting) with `leaver`, then
 * `leaver` leaves; resolves once `waiter` has been closed. Each wait after
 * the first fails after 2 s.
 */
export async function breakUp(waiter: Visitor, leaver: Visitor): Promise<void> {
  waiter.request();
  await until(() => waiter.session.state === "waiting");
  leaver.request();
  await until(() => leaver.paired && waiter.paired, 2000, "v meets the bot");
  leaver.leave();
  await until(() => waiter.closed !== undefined, 2000, "bot closed");
}
