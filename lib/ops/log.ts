/**
 * Structured logs: one JSON object per line (the default when stdout is not a
 * terminal) or readable text on a terminal. Callers pass event names and
 * numbers; chat text never reaches a log line, and client addresses only
 * when the operator asked for them.
 *
 * @module
 */

/** Severity, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
};

/** Fields of one log line besides its level, time and event. */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** Options for {@linkcode Logger}. */
export interface LoggerOptions {
  /** `json`, `text`, or `auto` (json unless stdout is a terminal). @default {"auto"} */
  format?: "json" | "text" | "auto";
  /** Lines below this level are dropped. @default {"info"} */
  level?: LogLevel;
  /** Where a finished line goes. @default {console.log} */
  write?: (line: string) => void;
  /**
   * Lines per second per event that {@linkcode Logger.limited} writes; the
   * rest are counted and reported on the next line written.
   * @default {5}
   */
  limitPerSecond?: number;
  /** Milliseconds from a monotonic clock, for tests. @default {performance.now} */
  now?: () => number;
}

interface LimitWindow {
  start: number;
  written: number;
  suppressed: number;
}

/** Writes one line per event. */
export class Logger {
  #json: boolean;
  #min: number;
  #write: (line: string) => void;
  #limitPerSecond: number;
  #now: () => number;
  #windows = new Map<string, LimitWindow>();

  constructor(options: LoggerOptions = {}) {
    const format = options.format ?? "auto";
    this.#json = format === "json" ||
      (format === "auto" && !Deno.stdout.isTerminal());
    this.#min = LEVELS[options.level ?? "info"];
    this.#write = options.write ?? ((line) => console.log(line));
    this.#limitPerSecond = options.limitPerSecond ?? 5;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Logs like {@linkcode Logger.log}, but at most `limitPerSecond` lines of
   * `event` per second: for lines a client can cause at will, such as
   * refusals. Lines past the limit are dropped and counted; the next line
   * of that event written says how many in `suppressed`.
   */
  limited(level: LogLevel, event: string, fields: LogFields = {}): void {
    if (LEVELS[level] < this.#min) return;
    const now = this.#now();
    let window = this.#windows.get(event);
    if (!window) {
      // Events are names from our code, not from clients: the map stays small.
      window = { start: now, written: 0, suppressed: 0 };
      this.#windows.set(event, window);
    }
    if (now - window.start >= 1000) {
      window.start = now;
      window.written = 0;
    }
    if (window.written >= this.#limitPerSecond) {
      window.suppressed++;
      return;
    }
    window.written++;
    const suppressed = window.suppressed;
    window.suppressed = 0;
    this.log(level, event, suppressed ? { ...fields, suppressed } : fields);
  }

  /** Logs `event` at `level` with `fields`. */
  log(level: LogLevel, event: string, fields: LogFields = {}): void {
    if (LEVELS[level] < this.#min) return;
    const time = new Date().toISOString();
    if (this.#json) {
      this.#write(JSON.stringify({ time, level, event, ...fields }));
      return;
    }
    const rest = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : v}`)
      .join(" ");
    this.#write(
      `${time} ${level.toUpperCase().padEnd(5)} ${event}${
        rest ? " " + rest : ""
      }`,
    );
  }

  /**
   * A line meant for a person, such as the startup banner: printed as it is
   * in text mode, as `{"event", "message", ...fields}` in json mode, and at
   * any log level.
   */
  announce(event: string, message: string, fields: LogFields = {}): void {
    if (!this.#json) return this.#write(message);
    const time = new Date().toISOString();
    this.#write(
      JSON.stringify({ time, level: "info", event, message, ...fields }),
    );
  }

  /** Logs at debug level. */
  debug(event: string, fields?: LogFields): void {
    this.log("debug", event, fields);
  }

  /** Logs at info level. */
  info(event: string, fields?: LogFields): void {
    this.log("info", event, fields);
  }

  /** Logs at warn level. */
  warn(event: string, fields?: LogFields): void {
    this.log("warn", event, fields);
  }

  /** Logs at error level. */
  error(event: string, fields?: LogFields): void {
    this.log("error", event, fields);
  }
}

/** The error's class name only: messages may quote client input. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
