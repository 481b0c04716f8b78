/**
 * Tables and targets that set two settings of our server side by side, each
 * metric the median of its rounds (`moderation_report.ts`,
 * `resume_report.ts`).
 *
 * @module
 */

import { round } from "./lib.ts";
import {
  type Failed,
  medianOf,
  type Outcome,
  type TargetRow,
} from "./report.ts";

/** A number for a table cell, `–` for none. */
export function show(x: number): string {
  return isNaN(x) ? "–" : String(x);
}

/** The first failed round's error, for a table that could not be made. */
export function failure(rounds: Outcome<object>[]): string {
  const failed = rounds.find((o): o is Failed => "error" in o);
  return failed?.error.slice(0, 160) ?? "no run";
}

/** Table rows: each metric's median for `a` and `b`, and `a / b`. */
export function rows<T extends object>(
  a: Outcome<T>[],
  b: Outcome<T>[],
  metrics: [name: string, pick: (row: T) => number][],
): string[] {
  return metrics.map(([name, pick]) => {
    const x = round(medianOf(a, pick));
    const y = round(medianOf(b, pick));
    return `| ${name} | ${show(x)} | ${show(y)} | ${
      show(y > 0 ? round(x / y, 2) : NaN)
    } |`;
  });
}

/** A target comparing the medians of `a` and `b`: met when `a / b ≤ max`. */
export function ratioRow<T extends object>(
  target: string,
  [a, b]: [Outcome<T>[], Outcome<T>[]],
  pick: (row: T) => number,
  unit: string,
  max: number,
): TargetRow {
  const x = medianOf(a, pick);
  const y = medianOf(b, pick);
  const ratio = round(x / y, 2);
  return {
    target,
    measured: `${round(x)} vs ${round(y)} ${unit} = ${ratio}×`,
    met: ratio <= max,
  };
}
