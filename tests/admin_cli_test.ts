/**
 * The moderation commands as an operator runs them: `main.ts ban`, `bans`,
 * `unban`, `reports` in their own processes (with the server's permissions)
 * on the embedded store under a temporary `DATA_DIR`, seen by a server
 * opened on the same folder; and usage errors that exit 2 with a usage
 * line and store nothing.
 *
 * @module
 */

import assert from "node:assert/strict";
import { inProcessApp } from "./app_helper.ts";
import { until } from "./support/wait.ts";
import { SERVER_PERMISSIONS } from "../lib/ops/permissions.ts";
import { identityOf } from "../lib/recent_partners.ts";

const ROOT = new URL("../", import.meta.url);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main.ts …args` with `DATA_DIR=dataDir` and nothing else shared. */
async function strangers(dataDir: string, ...args: string[]): Promise<Run> {
  const env: Record<string, string> = { DATA_DIR: dataDir };
  for (const name of ["PATH", "HOME", "DENO_DIR", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...SERVER_PERMISSIONS, "main.ts", ...args],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

Deno.test({
  name: "strangers ban / bans / unban / reports work on the server's store",
  // The KV store's file handles and the child processes are awaited, but
  // the server's view polls the store between steps.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dataDir = await Deno.makeTempDir({ prefix: "strangers-cli-" });
    const subject = identityOf(undefined, "203.0.113.7");
    try {
      let banId = "";
      await t.step("ban prints the ban and exits 0", async () => {
        const run = await strangers(
          dataDir,
          "ban",
          "203.0.113.7",
          "--for",
          "1h",
          "--reason",
          "spam bot",
        );
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^ID\s+WHO\s+UNTIL/);
        assert.match(
          run.stdout,
          /203\.0\.113\.7 .*\(1h\)\s+shadow\s+cli\s+spam bot/,
        );
        banId = /\n([0-9a-z]{22}) /.exec(run.stdout)?.[1] ?? "";
        assert.ok(banId, run.stdout);
      });

      await t.step("bans lists it", async () => {
        const run = await strangers(dataDir, "bans");
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, new RegExp(`${banId}\\s+203\\.0\\.113\\.7`));
      });

      await using app = await inProcessApp({ dataDir });
      const { moderation } = app.state;

      await t.step("a server on the same DATA_DIR holds the ban", () => {
        const ban = moderation.banned([subject]);
        assert.equal(ban?.id, banId);
        assert.equal(ban?.visible, false);
        assert.equal(ban?.by, "cli");
        assert.equal(
          moderation.banned([identityOf(undefined, "203.0.113.8")]),
          undefined,
        );
      });

      await t.step(
        "reports lists a report with its verified lines",
        async () => {
          await moderation.report({
            reason: "harassment",
            note: "rude\nthen worse",
            lines: [
              { from: "guest", message: "you", verified: true },
              { from: "guest", message: "invented", verified: false },
            ],
            reporter: identityOf(undefined, "192.0.2.1"),
            subjects: [identityOf(undefined, "192.0.2.99")],
          });
          const run = await strangers(dataDir, "reports", "--status", "open");
          assert.equal(run.code, 0, run.stderr);
          assert.match(
            run.stdout,
            /harassment\s+open\s+1\/2 verified\s+rude then worse/,
          );
        },
      );

      await t.step(
        "unban lifts it, and the running server follows",
        async () => {
          const run = await strangers(dataDir, "unban", banId);
          assert.equal(run.code, 0, run.stderr);
          assert.match(run.stdout, new RegExp(`lifted ban ${banId}`));
          await until(
            () => moderation.banned([subject]) === undefined,
            5000,
            "the server sees the unban",
          );
          const again = await strangers(dataDir, "unban", banId);
          assert.equal(again.code, 1);
          assert.match(again.stderr, /no ban/);
          const bans = await strangers(dataDir, "bans");
          assert.equal(bans.stdout.trim(), "no bans");
        },
      );

      await t.step("each action is in the audit log as cli", async () => {
        const entries = await moderation.store.audit(10);
        assert.deepEqual(
          entries.filter((e) => e.actor === "cli").map((e) => e.action),
          ["unban", "ban"],
        );
      });
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test("strangers ban refuses what it cannot do with exit 2 and a usage line", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "strangers-cli-" });
  try {
    for (
      const args of [
        ["ban", "203.0.113.7"],
        ["ban", "203.0.113.7", "--for", "soon"],
        ["ban", "203.0.113.7", "--for", "10s"],
        ["ban", "203.0.113.7", "--for", "400d"],
        ["ban", "not-an-address", "--for", "1h"],
        ["ban", "203.0.113.7", "203.0.113.8", "--for", "1h"],
        ["ban", "203.0.113.7", "--for", "1h", "--reason", "a\u0007b"],
        ["ban", "--for", "1h", "--token", "short"],
        ["ban", "203.0.113.7", "--for", "1h", "--status", "open"],
        ["unban", "../../etc"],
        ["unban"],
        ["bans", "extra"],
        ["reports", "--status", "closed"],
        ["bans", "--no-such-option"],
      ]
    ) {
      const run = await strangers(dataDir, ...args);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /usage: strangers ban/, args.join(" "));
    }
    const help = await strangers(dataDir, "ban", "--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: strangers ban ADDRESS --for DURATION/);
    const bans = await strangers(dataDir, "bans");
    assert.equal(bans.code, 0, bans.stderr);
    assert.equal(bans.stdout.trim(), "no bans");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
