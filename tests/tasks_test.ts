/**
 * deno.json's tasks against the code they copy: a task is a plain string and
 * cannot import {@linkcode SERVER_PERMISSIONS}, so the `start`
 * task spells the server's permission flags out, and this test keeps the
 * copy from drifting; `compile.ts` imports them and must keep them all. The
 * compile task must also explain itself when it cannot download a runtime.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SERVER_PERMISSIONS } from "../lib/ops/permissions.ts";
import { compileArgs, OFFLINE_HINT } from "../compile.ts";

const ROOT = new URL("../", import.meta.url);

const { tasks } = JSON.parse(
  await Deno.readTextFile(new URL("deno.json", ROOT)),
) as { tasks: Record<string, string> };

/** A permission flag of the Deno CLI: `--allow-*`, `--deny-*`, `-A`, `-N`… */
const PERMISSION_FLAG = /^(--allow-|--deny-|-[AENRSW]$)/;

/** The permission flags of the `deno <subcommand>` step of task `name`. */
function permissionFlags(name: string, subcommand: string): string[] {
  const task = tasks[name];
  assert.ok(task, `deno.json has no "${name}" task`);
  const step = task.split("&&").map((part) => part.trim())
    .find((part) => part.startsWith(`deno ${subcommand} `));
  assert.ok(step, `no "deno ${subcommand}" step in the ${name} task: ${task}`);
  return step.split(/\s+/).filter((arg) => PERMISSION_FLAG.test(arg));
}

Deno.test("deno.json's start task runs main.ts with SERVER_PERMISSIONS exactly", () => {
  assert.deepEqual(
    permissionFlags("start", "run").sort(),
    [...SERVER_PERMISSIONS].sort(),
  );
});

Deno.test("deno.json's compile task runs compile.ts, which grants SERVER_PERMISSIONS exactly", () => {
  assert.match(tasks.compile, /^deno task build && deno run .* compile\.ts$/);
  const args = compileArgs(["--target", "x86_64-unknown-linux-gnu"]);
  assert.deepEqual(
    args.filter((arg) => PERMISSION_FLAG.test(arg)).sort(),
    [...SERVER_PERMISSIONS].sort(),
  );
  assert.equal(args[0], "compile");
  assert.equal(args.at(-1), "main.ts");
  const at = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(at("--include"), "static");
  assert.equal(at("--output"), "dist/strangers");
  assert.equal(at("--target"), "x86_64-unknown-linux-gnu");
});

Deno.test("deno task compile without internet says what to do in one line and leaves no empty dist/", async () => {
  // The task's own compile step, as written (the build step before it would
  // rewrite the bundles under tests running in parallel).
  const step = tasks.compile.split("&&").map((part) => part.trim()).at(-1)!;
  const [deno, ...args] = step.split(/\s+/);
  assert.equal(deno, "deno");
  const env = { ...Deno.env.toObject() };
  if (env.DENORT_BIN) return; // A runtime at hand: nothing to download.
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    // Type errors are `deno task check`'s to report; here only the download.
    args: [...args, "--no-check"],
    cwd: ROOT,
    // No proxy answers here, so the download fails even on a machine online.
    env: {
      HTTPS_PROXY: "http://127.0.0.1:9",
      HTTP_PROXY: "http://127.0.0.1:9",
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code === 0) return; // Compiled after all (a cached runtime).
  assert.equal(new TextDecoder().decode(stderr).trim(), OFFLINE_HINT);
  const dist = new URL("dist/", ROOT);
  const left = await Array.fromAsync(Deno.readDir(dist)).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  });
  assert.ok(left === undefined || left.length > 0, "an empty dist/ was left");
});
