/**
 * Alternating rounds: every contender of a scenario runs once a round, the
 * order reversed every other round, so that any two of them take turns
 * going first and their figures compare on a noisy machine.
 *
 * @module
 */

import type { Outcome, Rounds } from "./report.ts";

/** Options for {@linkcode alternate}. */
export interface AlternateOptions<K extends string> {
  /** What the progress lines call it. */
  label: string;
  rounds: number;
  /** Two or more, in the first round's order. */
  contenders: readonly K[];
}

/**
 * Runs `fn` for each contender, the order reversed every other round, so
 * that any two of them take turns going first and their figures compare on
 * a noisy machine. A failed run is recorded and the rest go on.
 */
export async function alternate<K extends string, T>(
  options: AlternateOptions<K>,
  fn: (contender: K) => Promise<T>,
): Promise<Rounds<K, T>> {
  const { contenders } = options;
  const entries = contenders.map((contender) => [contender, []]);
  const out = Object.fromEntries(entries) as unknown as Rounds<K, T>;
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 ? contenders.toReversed() : contenders;
    for (const contender of order) {
      const t0 = performance.now();
      console.error(`  ${options.label} · ${contender} · round ${round + 1}`);
      let outcome: Outcome<T>;
      try {
        outcome = await fn(contender);
      } catch (error) {
        // One failed scenario must not sink the whole run: record and go on.
        console.error(`    failed: ${error}`);
        outcome = { error: String(error) };
      }
      out[contender].push(outcome);
      console.error(
        `    done in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
  }
  return out;
}
