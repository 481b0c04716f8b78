/**
 * Durations as an operator types them (`90s`, `30m`, `24h`, `7d`, `2w`, or
 * plain seconds) and as the console and the CLI print them. Pure.
 *
 * @module
 */

const UNITS: Record<string, number> = {
  s: 1,
  m: 60,
  h: 3_600,
  d: 86_400,
  w: 7 * 86_400,
};

/** Seconds in `text` (`24h`, `7d`, `3600`…), or `null` when it is no duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,9})([smhdw]?)$/.exec(text.trim().toLowerCase());
  if (!match) return null;
  return Number(match[1]) * UNITS[match[2] || "s"];
}

/** `seconds` in the largest whole unit that fits: `1h`, `90m`, `7d`. */
export function formatDuration(seconds: number): string {
  for (const unit of ["w", "d", "h", "m"]) {
    if (seconds >= UNITS[unit] && seconds % UNITS[unit] === 0) {
      return `${seconds / UNITS[unit]}${unit}`;
    }
  }
  return `${seconds}s`;
}

/** A moment as `2026-12-04 10:00 UTC`: what a ban's expiry reads as. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}
