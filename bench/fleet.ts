/**
 * A fleet for the cluster scenarios: instances of our server (or of the
 * reference relay through Redis) sharing a redis-server of their own, every
 * process on core 0.
 *
 * @module
 */

import { type RedisServer, startRedis } from "../tests/support/redis.ts";
import { type Server, spawn, startServer, stop } from "./process.ts";

/** Our servers, sharing a redis-server when there are several. */
export interface Fleet {
  servers: Server[];
  /** The redis-server, with more than one instance or when asked. */
  redis?: RedisServer;
  /** Every serving process: the servers, then redis-server. */
  pids: number[];
  /** Stops the servers, then redis-server. */
  stop(): Promise<void>;
}

/**
 * Starts `instances` of our server (entry and extra flags from `ours`) with
 * `args`, all on core 0; with more than one, or `redis`, they share a
 * redis-server of their own on core 0 too. With `target`
 * `reference-redis`, the instances are the reference relay through Redis
 * instead, and `args` and `ours` are not used.
 */
export async function startFleet(options: {
  instances: number;
  args: readonly string[];
  ours: { entry: string; flags: readonly string[] };
  redis?: boolean;
  target?: "ours" | "reference-redis";
  /** Deno flags of our servers, such as `--cpu-prof`. */
  denoFlags?: readonly string[];
}): Promise<Fleet> {
  const redis = options.redis || options.instances > 1
    ? await startRedis({ spawn: (argv) => spawn(argv, { core: 0 }) })
    : undefined;
  const servers: Server[] = [];
  const fleet: Fleet = {
    servers,
    redis,
    pids: [],
    async stop() {
      await Promise.all(servers.map((s) => stop(s.child)));
      await redis?.stop();
    },
  };
  try {
    const shared = redis ? ["--redis-url", redis.url] : [];
    const ours = options.target !== "reference-redis";
    const args = ours
      ? [...options.args, ...shared, ...options.ours.flags]
      : shared;
    for (let i = 0; i < options.instances; i++) {
      servers.push(
        await startServer(ours ? "ours" : "reference-redis", {
          entry: options.ours.entry,
          args,
          denoFlags: options.denoFlags,
        }),
      );
    }
  } catch (error) {
    await fleet.stop();
    throw error;
  }
  fleet.pids = [...servers.map((s) => s.pid), ...(redis ? [redis.pid] : [])];
  return fleet;
}
