/**
 * Waiting in tests for a condition that another task or process makes true.
 *
 * @module
 */

/**
 * Resolves with the milliseconds waited once `check()` holds, polling every
 * 10 ms; rejects after `ms` milliseconds, naming `what` was awaited.
 */
export async function until(
  check: () => boolean,
  ms = 5000,
  what = "condition",
): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}
