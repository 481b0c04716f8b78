/**
 * The Deno permissions the server runs with, in one list for everything that
 * starts it: `deno task start`, `deno task compile` (through `compile.ts`),
 * `dev.ts`, the process tests and the benchmark.
 *
 * @module
 */

/**
 * The permission flags the server is started with (`deno run … main.ts`):
 * network, read, write, environment and system information, nothing else.
 *
 * Write is there for one documented option only: `KV_PATH=/some/file` opens
 * (and creates) a Deno KV file wherever the site owner points it. Deno can
 * scope `--allow-write` to paths, but the path is chosen at run time, after
 * the flags are fixed, so the grant cannot be narrower than all paths. The
 * server itself writes nothing else: logs go to stdout, and nothing is stored.
 *
 * deno.json's `start` task must list the same flags (a task cannot import
 * this list); `tests/tasks_test.ts` fails when they drift. `compile.ts`
 * imports this list for the binary.
 */
export const SERVER_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
];
