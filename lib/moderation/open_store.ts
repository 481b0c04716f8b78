/**
 * Picks the moderation store from the configuration, like the pairing
 * backend: Redis with `REDIS_URL`, Deno KV with `KV_PATH`, else the
 * embedded KV file under `DATA_DIR` (`:memory:` keeps it in memory only).
 *
 * @module
 */

import { join } from "node:path";
import { type Clock, SYSTEM_CLOCK } from "../clock.ts";
import type { Config } from "../ops/config.ts";
import type { ModerationStore } from "./store.ts";
import { KvModerationStore } from "./store_kv.ts";

/** The options that say where the store is and how long reports stay. */
export type StoreSettings = Pick<
  Config,
  "dataDir" | "redisUrl" | "kvPath" | "reportRetentionDays"
>;

/** The file of the embedded store, under `DATA_DIR`. */
export const EMBEDDED_FILE = "moderation.sqlite3";

/**
 * Opens the store the settings name: Redis with `redisUrl`, the KV database
 * at `kvPath`, else the embedded KV file under `dataDir` (created if
 * missing; `":memory:"` keeps everything in memory). `clock` dates the
 * single-use keys. Rejects when the store cannot be reached.
 */
export async function openStore(
  settings: StoreSettings,
  clock: Clock = SYSTEM_CLOCK,
): Promise<ModerationStore> {
  const options = {
    clock,
    retention: settings.reportRetentionDays * 86_400_000,
  };
  if (settings.redisUrl) {
    const { RedisModerationStore } = await import("./store_redis.ts");
    return await RedisModerationStore.connect(settings.redisUrl, options);
  }
  if (settings.kvPath) {
    return await KvModerationStore.open(settings.kvPath, options);
  }
  if (settings.dataDir === ":memory:") {
    return await KvModerationStore.open(":memory:", options);
  }
  await Deno.mkdir(settings.dataDir, { recursive: true });
  const file = join(settings.dataDir, EMBEDDED_FILE);
  return await KvModerationStore.open(file, options);
}
