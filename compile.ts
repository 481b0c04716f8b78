/**
 * `deno task compile`: `deno compile` of `main.ts` into `dist/strangers`,
 * with the server's permissions and the static files built in. Extra
 * arguments (`deno task compile --target aarch64-unknown-linux-gnu`) go to
 * `deno compile`.
 *
 * `deno compile` downloads the runtime it embeds (denort) from dl.deno.land.
 * Where that fails, it prints a backtrace and leaves an empty `dist/`; this
 * script removes an empty `dist/` and says in one line what to do instead.
 *
 * @module
 */

import { SERVER_PERMISSIONS } from "./lib/ops/permissions.ts";

const ROOT = new URL("./", import.meta.url);
const DIST = new URL("dist/", ROOT);

/** The one line printed when the runtime cannot be downloaded. */
export const OFFLINE_HINT =
  "strangers: deno compile could not download the Deno runtime it embeds (dl.deno.land unreachable): run `deno task compile` on a machine with internet and copy dist/strangers here, or set DENORT_BIN to a denort binary of this Deno version";

/** The arguments of `deno compile`, with `extra` before the entry point. */
export function compileArgs(extra: readonly string[] = []): string[] {
  return [
    "compile",
    ...SERVER_PERMISSIONS,
    "--include",
    "static",
    "--output",
    "dist/strangers",
    ...extra,
    "main.ts",
  ];
}

/** Removes `dist/` if it exists and holds nothing. */
async function removeEmptyDist(): Promise<void> {
  try {
    for await (const _ of Deno.readDir(DIST)) return;
    await Deno.remove(DIST);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

if (import.meta.main) {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(Deno.args),
    cwd: ROOT,
    stdin: "null",
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(stderr);
  if (code !== 0) {
    await removeEmptyDist();
    const offline = /Setting up base binary|denort/.test(output);
    if (offline) console.error(OFFLINE_HINT);
    else await Deno.stderr.write(stderr);
    Deno.exit(code);
  }
  await Deno.stderr.write(stderr);
}
