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

/**
 * Resolves `true` once `check()` holds, polling every `every` ms, or `false`
 * after `ms`: for a test that reports what did not settle rather than throw.
 */
export async function settle(
  check: () => boolean,
  ms: number,
  every = 100,
): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, every));
  }
  return true;
}
