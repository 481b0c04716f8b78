/**
 * The option table as text: `--help` and the README's option list, so the
 * two never drift from the table in `config.ts`.
 *
 * @module
 */

import { OPTIONS } from "./config.ts";

/** Width `--help` wraps its descriptions to. */
const HELP_WIDTH = 80;

/**
 * The `--help` text: usage and every option with its variable and default.
 * Every description starts in one column, past the longest flag, and wraps
 * at word boundaries within {@linkcode HELP_WIDTH} (a word longer than the
 * room left keeps its own line).
 */
export function helpText(): string {
  const entries: [string, string[]][] = [
    ["--help", ["print this help and exit"]],
    ["--version", ["print the version and exit"]],
    ...OPTIONS.map((o): [string, string[]] => [
      `${o.flag} <${o.kind}>`,
      [
        o.default === "" ? o.help : `${o.help} (default ${o.default})`,
        `env ${o.env}`,
      ],
    ]),
  ];
  const column = 2 + Math.max(...entries.map(([head]) => head.length)) + 2;
  const room = Math.max(HELP_WIDTH - column, 30);
  const rows = entries.flatMap(([head, texts]) =>
    texts.flatMap((text) => wrap(text, room)).map((line, i) =>
      (i === 0 ? `  ${head}` : "").padEnd(column) + line
    )
  );
  return [
    "Strangers: anonymous 1:1 random-pairing chat",
    "",
    "Usage: strangers [options]   (or: deno task start -- [options])",
    "",
    "Options (a flag wins over its environment variable):",
    ...rows,
    "",
  ].join("\n");
}

/** `text` split into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines;
}

/** The README's option table (kept identical by a test). */
export function optionsMarkdown(): string {
  const rows = OPTIONS.map((o) =>
    `| \`${o.flag}\` | \`${o.env}\` | ${
      o.default === "" ? "(empty)" : `\`${o.default}\``
    } | ${o.help.replaceAll("|", "\\|")} |`
  );
  return [
    "| flag | environment | default | meaning |",
    "| --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
