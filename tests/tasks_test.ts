/**
 * deno.json's tasks against the code they copy: a task is a plain string and
 * cannot import {@linkcode SERVER_PERMISSIONS}, so the `start` and `compile`
 * tasks spell the server's permission flags out, and this test keeps the
 * copies from drifting.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SERVER_PERMISSIONS } from "../lib/ops/permissions.ts";

const { tasks } = JSON.parse(
  await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
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

Deno.test("deno.json's compile task grants SERVER_PERMISSIONS exactly", () => {
  assert.deepEqual(
    permissionFlags("compile", "compile").sort(),
    [...SERVER_PERMISSIONS].sort(),
  );
});
