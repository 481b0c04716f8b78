/**
 * The Deno permissions the server runs with, in one list for everything that
 * starts it: `dev.ts`, the process tests and the benchmark.
 *
 * @module
 */

/**
 * The permission flags the server is started with (`deno run … main.ts`):
 * network, read, environment and system information, nothing else.
 *
 * deno.json's `start` and `compile` tasks must list the same flags (a task
 * cannot import this list); `tests/tasks_test.ts` fails when they drift.
 */
export const SERVER_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-env",
  "--allow-sys",
];
