/**
 * The moderation stores against one contract (Deno KV in memory, a Deno KV
 * file, a real `redis-server`), then {@linkcode Moderation} across
 * instances: a ban made through one is seen by another sharing the store
 * within a second, and an embedded store keeps bans over a restart.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Clock } from "../lib/clock.ts";
import { Moderation } from "../lib/moderation/moderation.ts";
import { EMBEDDED_FILE } from "../lib/moderation/open_store.ts";
import type {
  ModerationStore,
  Report,
  StoredLine,
} from "../lib/moderation/store.ts";
import { KvModerationStore } from "../lib/moderation/store_kv.ts";
import { RedisModerationStore } from "../lib/moderation/store_redis.ts";
import { type Config, defaultConfig } from "../lib/ops/config.ts";
import { FakeClock } from "./support/clock.ts";
import { HAS_REDIS, type RedisServer, startRedis } from "./support/redis.ts";
import { until } from "./support/wait.ts";

/** Opens a fresh, empty store on `clock`. */
type Open = (clock: Clock) => Promise<ModerationStore>;

function report(
  at: number,
  reporter: string,
  subjects: string[],
  lines: StoredLine[] = [],
): Omit<Report, "id"> {
  return {
    at,
    reason: "spam",
    note: "",
    lines,
    reporter,
    subjects,
    status: "open",
  };
}

function ban(at: number, until: number, subject = "s") {
  return {
    subject,
    at,
    until,
    visible: false,
    reason: "test",
    by: "admin",
    label: subject,
  };
}

/** Every step runs on a fresh store from `open`, closed afterwards. */
async function conformance(t: Deno.TestContext, open: Open): Promise<void> {
  async function step(
    name: string,
    fn: (store: ModerationStore, clock: FakeClock) => Promise<void>,
  ): Promise<void> {
    await t.step(name, async () => {
      const clock = new FakeClock();
      const store = await open(clock);
      try {
        await fn(store, clock);
      } finally {
        await store.close();
      }
    });
  }

  await step("reports are listed newest first, by status", async (store) => {
    const a = await store.addReport(report(1000, "r1", ["s"]));
    const b = await store.addReport(report(3000, "r2", ["s", "t"]));
    const c = await store.addReport(report(2000, "r3", ["u"]));
    assert.notEqual(a.id, b.id);
    assert.deepEqual((await store.reports()).map((r) => r.id), [
      b.id,
      c.id,
      a.id,
    ]);
    assert.equal(await store.setReportStatus(c.id, "dismissed"), true);
    assert.deepEqual((await store.reports("open")).map((r) => r.id), [
      b.id,
      a.id,
    ]);
    assert.deepEqual((await store.reports("dismissed")).map((r) => r.id), [
      c.id,
    ]);
    assert.deepEqual(await store.reports("banned"), []);
    assert.deepEqual(
      (await store.openReports()).sort((x, y) => x.id < y.id ? -1 : 1),
      [{ id: a.id, subjects: ["s"] }, { id: b.id, subjects: ["s", "t"] }],
    );
    assert.equal(await store.setReportStatus(c.id, "open"), true);
    assert.equal((await store.openReports()).length, 3, "open again");
  });

  await step(
    "a report comes back whole, long lines included",
    async (store) => {
      // Over Deno KV's 64 KiB per value, in two-byte characters.
      const lines: StoredLine[] = Array.from({ length: 50 }, (_, i) => ({
        from: i % 2 ? "me" : "guest",
        message: `${i} é€😀 `.repeat(250),
        verified: i % 3 === 0,
      }));
      lines[7].message = "€".repeat(40_000);
      lines[8].message = "";
      const made = await store.addReport({
        ...report(5000, "r1", ["s", "t"], lines),
        reason: "harassment",
        note: "a note",
      });
      const read = await store.report(made.id);
      assert.deepEqual(read, made);
      assert.equal(read?.lines[7].message.length, 40_000);
      assert.deepEqual((await store.reports())[0], made);
    },
  );

  await step(
    "unknown ids and statuses are answered, not thrown",
    async (store) => {
      const made = await store.addReport(report(1000, "r1", ["s"]));
      for (const id of ["", "nope", "x".repeat(5000), "0".repeat(22), "../r"]) {
        assert.equal(await store.report(id), undefined, id);
        assert.equal(await store.setReportStatus(id, "banned"), false, id);
        assert.equal(await store.removeBan(id), false, id);
      }
      const odd = "closed" as Report["status"];
      assert.equal(await store.setReportStatus(made.id, odd), false);
      assert.equal((await store.report(made.id))?.status, "open");
    },
  );

  await step(
    "reporters() counts distinct reporters since a time",
    async (store) => {
      await store.addReport(report(500, "r3", ["s"]));
      await store.addReport(report(1000, "r1", ["s", "t"]));
      await store.addReport(report(2000, "r2", ["s"]));
      await store.addReport(report(3000, "r1", ["s"]));
      assert.equal(await store.reporters("s", 0), 3);
      assert.equal(await store.reporters("s", 1000), 2, "at `since` counts");
      assert.equal(await store.reporters("s", 2500), 1);
      assert.equal(await store.reporters("s", 3001), 0);
      assert.equal(await store.reporters("t", 0), 1);
      assert.equal(await store.reporters("nobody", 0), 0);
    },
  );

  await step(
    "bans are active until `until`, and removed once",
    async (store) => {
      const long = await store.addBan(ban(1000, 5000, "a"));
      const short = await store.addBan(ban(1000, 2000, "b"));
      assert.deepEqual(await store.bans(1000), [long, short].sort(byId));
      assert.deepEqual(await store.bans(2000), [long], "ends at until");
      assert.equal(await store.removeBan(long.id), true);
      assert.equal(await store.removeBan(long.id), false);
      assert.deepEqual(await store.bans(1000), [short]);
    },
  );

  await step(
    "useOnce() is true once until the key expires",
    async (store, clock) => {
      const until = clock.now() + 1000;
      assert.equal(await store.useOnce("k", until), true);
      assert.equal(await store.useOnce("k", until), false);
      assert.equal(await store.useOnce("other", until), true);
      assert.equal(await store.useOnce("late", clock.now()), false);
      clock.advance(1000);
      assert.equal(await store.useOnce("k", clock.now() + 1000), true);
      assert.equal(await store.useOnce("k", clock.now() + 1000), false);
      const long = "k".repeat(10_000);
      assert.equal(await store.useOnce(long, clock.now() + 10), true);
      assert.equal(await store.useOnce(long, clock.now() + 10), false);
    },
  );

  await step(
    "the version moves with every change of reports and bans",
    async (store) => {
      const seen = [await store.version()];
      async function moved(what: string): Promise<void> {
        const now = await store.version();
        assert.ok(!seen.includes(now), what);
        seen.push(now);
      }
      const made = await store.addReport(report(1000, "r", ["s"]));
      await moved("addReport");
      await store.setReportStatus(made.id, "banned");
      await moved("setReportStatus");
      const b = await store.addBan(ban(1000, 5000));
      await moved("addBan");
      await store.removeBan(b.id);
      await moved("removeBan");
      await store.addBan(ban(1000, 2000));
      await moved("addBan");
      await store.purge(3000, 0);
      await moved("purge of an ended ban");
    },
  );

  await step("the audit log reads newest first", async (store) => {
    for (const [at, action] of [[1, "ban"], [3, "dismiss"], [3, "unban"]]) {
      await store.addAudit({
        at: at as number,
        actor: "admin",
        action: action as string,
        target: "t",
        detail: "",
      });
    }
    const all = await store.audit(10);
    assert.deepEqual(all.map((e) => e.action), ["unban", "dismiss", "ban"]);
    assert.equal(new Set(all.map((e) => e.id)).size, 3);
    assert.deepEqual((await store.audit(2)).map((e) => e.action), [
      "unban",
      "dismiss",
    ]);
    for (const limit of [0, -5, NaN]) {
      assert.deepEqual(await store.audit(limit), [], String(limit));
    }
  });

  await step(
    "purge() drops old reports, ended bans, old audit",
    async (store) => {
      const old = await store.addReport(report(1000, "r-old", ["s"]));
      const kept = await store.addReport(report(5000, "r-new", ["s"]));
      const ended = await store.addBan(ban(0, 2000));
      const active = await store.addBan(ban(0, 9000));
      for (const at of [1000, 5000]) {
        await store.addAudit({
          at,
          actor: "a",
          action: "ban",
          target: "",
          detail: "",
        });
      }
      await store.purge(2000, 3000);
      assert.deepEqual((await store.reports()).map((r) => r.id), [kept.id]);
      assert.equal(await store.report(old.id), undefined);
      assert.deepEqual((await store.openReports()).map((r) => r.id), [kept.id]);
      assert.equal(await store.reporters("s", 0), 1, "r-old no longer counts");
      assert.deepEqual(await store.bans(0), [active], `${ended.id} is gone`);
      assert.deepEqual((await store.audit(10)).map((e) => e.at), [5000]);
    },
  );
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

Deno.test("KvModerationStore in memory keeps the store contract", async (t) => {
  await conformance(
    t,
    (clock) => KvModerationStore.open(":memory:", { clock }),
  );
});

Deno.test("KvModerationStore on a file keeps the store contract", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    let n = 0;
    await conformance(
      t,
      (clock) =>
        KvModerationStore.open(`${dir}/store${n++}.sqlite3`, { clock }),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "RedisModerationStore keeps the store contract",
  ignore: !HAS_REDIS,
  async fn(t) {
    const redis = await startRedis();
    try {
      let n = 0;
      await conformance(t, (clock) =>
        RedisModerationStore.connect(redis.url, {
          clock,
          prefix: `test${n++}:`,
        }));
    } finally {
      await redis.stop();
    }
  },
});

Deno.test({
  name: "RedisModerationStore.connect() rejects when Redis is away",
  ignore: !HAS_REDIS,
  async fn() {
    const redis = await startRedis();
    await redis.stop();
    await assert.rejects(
      RedisModerationStore.connect(redis.url, { timeout: 500 }),
      /cannot reach Redis/,
    );
  },
});

/** Settings for Moderation with a short report window, 3 reports ban. */
function settings(overrides: Partial<Config>): Config {
  return defaultConfig({ dataDir: ":memory:", ...overrides });
}

const SUBJECTS = ["addr-of-x", "token-of-x"];

/** Three distinct reporters report the visitor of {@linkcode SUBJECTS}. */
async function reportThrice(moderation: Moderation): Promise<Report> {
  let last: Report | undefined;
  for (const reporter of ["r1", "r2", "r3"]) {
    last = await moderation.report({
      reason: "spam",
      note: "",
      lines: [],
      reporter,
      subjects: SUBJECTS,
    });
  }
  return last!;
}

/** Two instances sharing the store `config` names see each other's bans. */
async function propagation(config: Config): Promise<void> {
  const one = await Moderation.open(config);
  const two = await Moderation.open(config);
  try {
    assert.equal(two.banned(SUBJECTS), undefined);
    const ban = await one.ban({
      subject: SUBJECTS[1],
      label: "x",
      seconds: 60,
      visible: true,
      reason: "bot",
    }, "admin");
    await until(() => two.banned(SUBJECTS)?.id === ban.id, 1000, "ban seen");
    assert.equal(two.counts().activeBans, 1);
    assert.equal(await two.unban(ban.id, "admin"), true);
    await until(() => one.banned(SUBJECTS) === undefined, 1000, "unban seen");

    const last = await reportThrice(one);
    assert.equal(last.status, "banned");
    await until(() => two.banned(SUBJECTS) !== undefined, 1000, "auto-ban");
    assert.equal(two.banned(SUBJECTS)?.visible, false, "a shadowban");
    const flagged = await one.report({
      reason: "other",
      note: "",
      lines: [],
      reporter: "r1",
      subjects: ["y"],
    });
    await until(() => two.flagged(["y"]), 1000, "flagged seen");
    assert.equal(await two.dismiss(flagged.id, "admin"), true);
    await until(() => !one.flagged(["y"]), 1000, "dismissal seen");
  } finally {
    await one.close();
    await two.close();
  }
}

Deno.test("Moderation on one KV file: a ban on one instance holds on another within 1 s", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await propagation(settings({ kvPath: `${dir}/shared.sqlite3` }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "Moderation on one Redis: a ban on one instance holds on another within 1 s",
  ignore: !HAS_REDIS,
  async fn() {
    let redis: RedisServer | undefined;
    try {
      redis = await startRedis();
      await propagation(settings({ redisUrl: redis.url }));
    } finally {
      await redis?.stop();
    }
  },
});

Deno.test("Moderation with the embedded store keeps bans and reports over a restart", async () => {
  const dir = await Deno.makeTempDir();
  const config = settings({ dataDir: `${dir}/nested/data` });
  try {
    const first = await Moderation.open(config);
    let reportId: string;
    try {
      reportId = (await reportThrice(first)).id;
      assert.ok(first.banned(SUBJECTS));
    } finally {
      await first.close();
    }
    await Deno.stat(`${dir}/nested/data/${EMBEDDED_FILE}`);
    const second = await Moderation.open(config);
    try {
      const ban = second.banned(SUBJECTS);
      assert.equal(ban?.visible, false);
      assert.equal(ban?.by, "reports");
      assert.equal((await second.store.report(reportId))?.status, "banned");
      assert.equal((await second.store.reports()).length, 3);
      assert.deepEqual(second.counts(), { openReports: 2, activeBans: 2 });
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Moderation.open() with a `:memory:` data dir writes no file", async () => {
  const dir = await Deno.makeTempDir();
  const cwd = Deno.cwd();
  Deno.chdir(dir);
  try {
    const moderation = await Moderation.open(settings({ dataDir: ":memory:" }));
    await reportThrice(moderation);
    await moderation.close();
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(dir, { recursive: true });
  }
});
