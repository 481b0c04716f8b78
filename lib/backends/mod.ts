/**
 * Picks the pairing backend from the configuration: in memory by default,
 * Redis with `REDIS_URL`, Deno KV with `KV_PATH`. The switchboard built on
 * it attaches itself (see {@linkcode Backend.attach}), so a backend is made
 * first and needs nothing of the switchboard to be made.
 *
 * @module
 */

import type { Config } from "../ops/config.ts";
import type { Backend } from "./backend.ts";
import { MemoryBackend } from "./memory.ts";

export type { Backend, BackendHost, Delivery } from "./backend.ts";
export { MemoryBackend } from "./memory.ts";

/**
 * Opens the backend the configuration asks for. Rejects when the backend
 * cannot be reached, or when both `redisUrl` and `kvPath` are set.
 */
export async function createBackend(
  config: Pick<Config, "redisUrl" | "kvPath" | "matchLocalWindow">,
): Promise<Backend> {
  if (config.redisUrl && config.kvPath) {
    throw new Error("set REDIS_URL or KV_PATH, not both");
  }
  if (config.redisUrl) {
    const { RedisBackend } = await import("./redis.ts");
    return await RedisBackend.connect(config.redisUrl, {
      localWindow: config.matchLocalWindow,
    });
  }
  if (config.kvPath) {
    const { KvBackend } = await import("./kv.ts");
    return await KvBackend.open(config.kvPath, {
      localWindow: config.matchLocalWindow,
    });
  }
  return new MemoryBackend();
}
