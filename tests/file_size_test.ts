/**
 * No source file grows past 400 lines: a module that long holds more than
 * one job. Tests and generated files are exempt.
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const MAX_LINES = 400;
const SOURCE = /\.(ts|tsx|js|css)$/;
/** Generated, installed or test code, not ours to split. */
const EXEMPT = [
  /^\.git\//,
  /^node_modules\//,
  /^static\/_islands/,
  /^dist\//,
  /^bench\/results\//,
  /^tests\//,
  /_test\.tsx?$/,
];

/** Source files over `limit` lines, as `path: lines`. */
export async function oversized(
  limit: number,
  dir = ROOT,
): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    const path = url.href.slice(ROOT.href.length);
    if (EXEMPT.some((re) => re.test(path))) continue;
    if (entry.isDirectory) found.push(...await oversized(limit, url));
    else if (entry.isFile && SOURCE.test(path)) {
      const lines = (await Deno.readTextFile(url)).split("\n").length - 1;
      if (lines > limit) found.push(`${path}: ${lines}`);
    }
  }
  return found.sort();
}

Deno.test(`no source file is over ${MAX_LINES} lines`, async () => {
  assert.deepEqual(await oversized(MAX_LINES), []);
});

Deno.test("oversized() lists a file past the limit", async () => {
  // The same walk with a low limit must name files we know are longer.
  const found = await oversized(100);
  assert.ok(found.some((line) => line.startsWith("lib/pairing.ts: ")));
  assert.ok(!found.some((line) => line.startsWith("tests/")));
});
