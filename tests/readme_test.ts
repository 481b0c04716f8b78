import assert from "node:assert/strict";
import { optionsMarkdown } from "../lib/ops/config_help.ts";
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
    "regenerate with: deno eval 'import {optionsMarkdown} from \"./lib/ops/config_help.ts\"; console.log(optionsMarkdown())'",
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

Deno.test("README's code map has one row per folder of the tree", async () => {
  const start = readme.indexOf("<!-- code-map:start -->");
  const end = readme.indexOf("<!-- code-map:end -->");
  assert.ok(start !== -1 && end > start);
  const table = readme.slice(start, end).split("\n")
    .filter((line) => line.startsWith("|")).join("\n");
  const rows = tableCells(table).slice(1)
    .map((row) => row[0].replaceAll("`", ""));
  const root = new URL("../", import.meta.url);
  const folders = ["/"];
  const skip = /^(\.|node_modules|dist|data|screenshots|results|_islands)/;
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(new URL(dir, root))) {
      if (!entry.isDirectory || skip.test(entry.name)) continue;
      folders.push(`${dir}${entry.name}/`);
      await walk(`${dir}${entry.name}/`);
    }
  }
  await walk("");
  assert.deepEqual(rows.toSorted(), folders.toSorted());
});
