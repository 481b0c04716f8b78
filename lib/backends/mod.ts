/**
 * Picks the pairing backend from the configuration: in memory by default,
 * Redis with `REDIS_URL`, Deno KV with `KV_PATH`.
 *
 * @module
 */

import type { Config } from "../ops/config.ts";
import { type Backend, MemoryBackend } from "../pairing.ts";

/**
 * Opens the backend the configuration asks for. `localCount` tells a shared
 * backend how many visitors this instance holds, for the cluster-wide count.
 * Rejects when the backend cannot be reached, or when both `redisUrl` and
 * `kvPath` are set.
 */
export async function createBackend(
  config: Pick<Config, "redisUrl" | "kvPath">,
  localCount: () => number,
): Promise<Backend> {
  if (config.redisUrl && config.kvPath) {
    throw new Error("set REDIS_URL or KV_PATH, not both");
  }
  if (config.redisUrl) {
    const { RedisBackend } = await import("./redis.ts");
    return await RedisBackend.connect(config.redisUrl, { localCount });
  }
  if (config.kvPath) {
    const { KvBackend } = await import("./kv.ts");
    return await KvBackend.open(config.kvPath, { localCount });
  }
  return new MemoryBackend();
}
