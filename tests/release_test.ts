/**
 * The release workflow parses, runs on version tags, and builds every
 * platform's binary with the project's own `deno task compile --target`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parse } from "yaml";

const ROOT = new URL("../", import.meta.url);

interface Step {
  run?: string;
  uses?: string;
}

interface Job {
  steps: Step[];
  strategy?: { matrix?: { include?: Record<string, string>[] } };
}

const workflow = parse(
  await Deno.readTextFile(new URL(".github/workflows/release.yml", ROOT)),
) as {
  on: { push?: { tags?: string[]; branches?: string[] } };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
};

Deno.test("release.yml runs on version tags only and may write releases", () => {
  assert.deepEqual(workflow.on.push?.tags, ["v*"]);
  assert.equal(workflow.on.push?.branches, undefined);
  assert.equal(workflow.permissions?.contents, "write");
});

Deno.test("release.yml compiles each platform with deno task compile", async () => {
  const deno = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", ROOT)),
  );
  assert.ok(deno.tasks.compile, "deno.json has a compile task");
  const job = workflow.jobs.binaries;
  const targets = job.strategy?.matrix?.include?.map((row) => row.target);
  assert.deepEqual(targets?.toSorted(), [
    "aarch64-apple-darwin",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "x86_64-unknown-linux-gnu",
  ]);
  const runs = job.steps.map((s) => s.run ?? "");
  assert.ok(
    runs.includes("deno task compile --target ${{ matrix.target }}"),
    runs.join("\n"),
  );
  assert.ok(runs.some((r) => r.includes("gh release upload")));
  assert.ok(
    workflow.jobs.release.steps.some((s) =>
      s.run?.includes("gh release create")
    ),
  );
});
