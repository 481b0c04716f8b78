import assert from "node:assert/strict";
import { optionsMarkdown } from "../lib/ops/config.ts";
import { CLOSE, ERROR_CODES } from "../lib/ws/protocol.ts";

const readme = await Deno.readTextFile(
  new URL("../README.md", import.meta.url),
);

/** The cells of a markdown table, whatever its padding. */
function tableCells(table: string): string[][] {
  return table.trim().split("\n")
    .filter((line) => !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim())
    );
}

Deno.test("README opens with the two commands a newcomer needs", () => {
  const head = readme.split("\n").slice(0, 5).join("\n");
  assert.match(head, /`deno task start`/);
  assert.match(head, /`deno task test`/);
});

Deno.test("README lists every option exactly as --help knows it", () => {
  const start = readme.indexOf("<!-- options:start -->");
  const end = readme.indexOf("<!-- options:end -->");
  assert.ok(start !== -1 && end > start);
  const block = readme.slice(start + "<!-- options:start -->".length, end);
  assert.deepEqual(
    tableCells(block),
    tableCells(optionsMarkdown()),
    "regenerate with: deno eval 'import {optionsMarkdown} from \"./lib/ops/config.ts\"; console.log(optionsMarkdown())'",
  );
});

Deno.test("README documents every error code and close code", () => {
  const rows = tableCells(
    readme.split("\n").filter((l) => l.startsWith("|")).join("\n"),
  );
  const has = (first: string, second?: string) =>
    rows.some((r) =>
      r[0] === first && (second === undefined || r[1] === second)
    );
  for (const code of ERROR_CODES) assert.ok(has(`\`${code}\``), code);
  for (const { code, reason } of Object.values(CLOSE)) {
    assert.ok(has(String(code), `\`${reason}\``), `${code} ${reason}`);
  }
});
