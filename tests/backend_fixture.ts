/**
 * The fixture of the shared-backend tests: a cluster of switchboards in one
 * process, each standing for an instance with its own backend on one store
 * (a Redis server, a Deno KV file), and a way to pair two visitors.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { MatchResult } from "../lib/backends/backend.ts";
import type { ClusterBackend } from "../lib/backends/cluster.ts";
import { MemoryBackend } from "../lib/backends/memory.ts";
import {
  ANYONE,
  type Asker,
  matchTicket,
  type Preferences,
} from "../lib/matching.ts";
import { Switchboard, type SwitchboardOptions } from "../lib/pairing.ts";
import { commonInterests } from "../lib/ws/interests.ts";
import { Visitor } from "./board_visitor.ts";
import { prng } from "./security_helpers.ts";
export { prng };
import { until } from "./support/wait.ts";

/** A store the instances share, and how each opens its backend on it. */
export interface Store<B extends ClusterBackend = ClusterBackend> {
  /** Opens one instance's backend on the store. */
  open(): Promise<B>;
  /** Stops or deletes the store, once every backend is closed. */
  remove(): Promise<void>;
}

/** The kind of backend a store opens. */
export type BackendOf<S extends Store> = Awaited<ReturnType<S["open"]>>;

/** Switchboards on one store, index by index with their backends. */
export interface Cluster<S extends Store> {
  store: S;
  boards: Switchboard[];
  backends: BackendOf<S>[];
  /** Closes every visitor with 1001, then the backends, then the store. */
  close(): Promise<void>;
}

/** Switchboard options of a cluster's boards, besides their backends. */
export type BoardOptions = Omit<SwitchboardOptions, "backend">;

/**
 * Opens `instances` switchboards, each on its own backend on `store`, with
 * `board` options (the online count pushed every 50 ms unless they say).
 */
export async function startCluster<S extends Store>(
  store: S,
  instances: number,
  board: BoardOptions = {},
): Promise<Cluster<S>> {
  const boards: Switchboard[] = [];
  const backends: BackendOf<S>[] = [];
  for (let i = 0; i < instances; i++) {
    const backend = await store.open() as BackendOf<S>;
    backends.push(backend);
    boards.push(new Switchboard({ onlineInterval: 50, ...board, backend }));
  }
  return {
    store,
    boards,
    backends,
    async close() {
      for (const board of boards) {
        board.closeAll(1001, "server_shutdown");
        board.dispose();
      }
      await new Promise((r) => setTimeout(r, 10));
      await Promise.all(backends.map((b) => b.close()));
      await store.remove();
    },
  };
}

/** Options for {@linkcode clusterTest}. */
export interface ClusterTestOptions<S extends Store> {
  /** How many switchboards share the store. */
  instances: number;
  /** Makes a fresh store for the test. */
  store: () => Promise<S>;
  /** Skips the test (when the store cannot run here). @default {false} */
  ignore?: boolean;
  /** Options of every switchboard, such as `matchFallback`. @default {{}} */
  board?: BoardOptions;
}

/** A test on switchboards sharing one fresh store, closed after. */
export function clusterTest<S extends Store>(
  name: string,
  options: ClusterTestOptions<S>,
  fn: (c: Cluster<S>, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: options.ignore ?? false,
    async fn(t) {
      const c = await startCluster(
        await options.store(),
        options.instances,
        options.board,
      );
      try {
        await fn(c, t);
      } finally {
        await c.close();
      }
    },
  });
}

/**
 * Makes a visitor on each of `boards` and pairs them: the first asks and is
 * seen waiting, then the second asks; resolves once both have their
 * response and each is the other's partner. Each wait fails after `ms`.
 */
export async function pair(
  boards: [Switchboard, Switchboard],
  ms = 5000,
): Promise<[Visitor, Visitor]> {
  const first = new Visitor(boards[0]);
  const second = new Visitor(boards[1]);
  first.request();
  await until(() => first.session.state === "waiting", ms, "first waits");
  second.request();
  await until(() => first.paired && second.paired, ms, "paired");
  assert.equal(first.session.partner, second.session.id);
  assert.equal(second.session.partner, first.session.id);
  return [first, second];
}

/**
 * Pairs `waiter` (who asks first and is seen waiting) with `leaver`, then
 * `leaver` leaves; resolves once `waiter` has been closed. Each wait after
 * the first fails after 2 s.
 */
export async function breakUp(waiter: Visitor, leaver: Visitor): Promise<void> {
  waiter.request();
  await until(() => waiter.session.state === "waiting");
  leaver.request();
  await until(() => leaver.paired && waiter.paired, 2000, "v meets the bot");
  leaver.leave();
  await until(() => waiter.closed !== undefined, 2000, "bot closed");
}

/** The partner of a match result, or what it is instead (`null`, `"taken"`). */
export function partnerOf(result: MatchResult): string | null {
  return typeof result === "object" && result !== null
    ? result.partner
    : result;
}

/** Preferences asking for `interests` in `lang`, falling back. */
function prefs(interests: string[] = [], lang = "*"): Preferences {
  return { interests, lang, strict: false };
}

/**
 * Askers whose `since` grows with each, from now on; one with an identity
 * `X` is about the subject `sX`, and `shadow` ones are shadowbanned.
 */
function askers(): (
  identity?: string,
  avoid?: string[],
  shadow?: boolean,
) => Asker {
  let since = Date.now();
  return (identity = "", avoid = [], shadow = false) => ({
    identity,
    avoid,
    since: ++since,
    subjects: identity ? [`s${identity}`] : [],
    shadow,
  });
}

/**
 * The switchboard-level story of interests across instances: a plain
 * visitor waits on instance 1; a "music" visitor on instance 0 does not
 * take it; a second "music" visitor on instance 1 takes the first, and
 * both responses say they share "music".
 */
export async function interestsAcrossInstances<S extends Store>(
  c: Cluster<S>,
): Promise<void> {
  const [zero, one] = c.boards;
  const plain = new Visitor(one);
  plain.request({ lang: "en" });
  await until(() => plain.session.state === "waiting", 2000, "plain waits");
  const music = new Visitor(zero, { group: "192.0.2.1" });
  music.request({ interests: ["music"], lang: "en" });
  await until(() => music.session.state === "waiting", 2000, "music waits");
  const fan = new Visitor(one, { group: "192.0.2.2" });
  const token = "fan-token-0123456789";
  fan.request({ interests: ["music", "film"], lang: "en", token });
  await until(() => music.paired && fan.paired, 2000, "the fans paired");
  assert.equal(music.session.partner, fan.session.id);
  assert.equal(fan.session.partner, music.session.id);
  const response = { type: "response", common: ["music"] };
  assert.deepEqual(music.responses(), [response], "told across instances");
  assert.deepEqual(fan.responses(), [response]);
  // Each knows who a report of the other would be about.
  assert.deepEqual(music.session.partnerSubjects, fan.session.subjects);
  assert.deepEqual(fan.session.partnerSubjects, music.session.subjects);
  assert.equal(fan.session.subjects.length, 2, "its address and its token");
  assert.equal(plain.session.state, "waiting");
  assert.equal(plain.paired, false);
  assert.deepEqual(one.pairs, {
    interest: 1,
    language: 0,
    fallback: 0,
    plain: 0,
  });
}

const TOPICS = [
  "music",
  "film",
  "books",
  "games",
  "travel",
  "food",
  "art",
  "sport",
  "code",
  "chess",
];

/**
 * `count` visitors spread over the cluster's boards ask with 0 to 3
 * random interests of ten (seeded) and a language or none; the boards'
 * fallback must be short. Everyone ends paired once, not with itself,
 * both ways, and each side is told exactly what the two share.
 */
export async function crowdWithInterests<S extends Store>(
  c: Cluster<S>,
  count: number,
  seed: number,
  ms = 20_000,
): Promise<void> {
  const random = prng(seed);
  const asked = new Map<Visitor, string[]>();
  for (let i = 0; i < count; i++) {
    const interests = TOPICS.filter(() => random() < 0.15).slice(0, 3);
    asked.set(new Visitor(c.boards[i % c.boards.length]), interests);
  }
  const langs = ["en", "en", "de", undefined];
  for (const [i, [v, interests]] of [...asked].entries()) {
    v.request({ interests, lang: langs[Math.floor(random() * langs.length)] });
    // Let the instances' requests interleave, as separate servers' would.
    if (i % 3 === 2) await new Promise((r) => setTimeout(r, 1));
  }
  const visitors = [...asked.keys()];
  await until(() => visitors.every((v) => v.paired), ms, "all paired");
  // A visitor paired twice would hear of it by now.
  await new Promise((r) => setTimeout(r, 200));
  const byId = new Map(visitors.map((v) => [v.session.id, v]));
  const pairs = new Set<string>();
  let sharing = 0;
  for (const v of visitors) {
    assert.equal(v.responses().length, 1, "paired once");
    assert.equal(v.closed, undefined);
    const partner = byId.get(v.session.partner!);
    assert.ok(partner, "partner is one of the visitors");
    assert.notEqual(partner, v);
    assert.equal(partner.session.partner, v.session.id);
    const common = commonInterests(asked.get(v)!, asked.get(partner)!).sort();
    assert.deepEqual(v.responses()[0].common, common);
    const pair = [v.session.id, partner.session.id].sort().join(" ");
    if (!pairs.has(pair) && common.length > 0) sharing++;
    pairs.add(pair);
  }
  assert.equal(pairs.size, count / 2);
  assert.ok(sharing > 0, "some pairs share an interest");
  // Each pair is counted once, by the board of the one who took a waiter.
  const counted = (kind: keyof Switchboard["pairs"]) =>
    c.boards.reduce((sum, b) => sum + b.pairs[kind], 0);
  assert.equal(counted("interest"), sharing);
  assert.equal(
    counted("interest") + counted("language") + counted("fallback") +
      counted("plain"),
    count / 2,
  );
}

/** Options for {@linkcode matchContract}. */
export interface MatchContractOptions {
  /** How many waiters a key's look covers (`MATCH_SCAN`, `LOOK`). */
  scan: number;
  /** What the store holds of the queue besides its fixed keys. */
  leftovers(): Promise<string[]>;
}

/**
 * `Backend.match` as the contract says, on two backends of one store,
 * called directly with tickets of `matchTicket()`: keys and tiers, the
 * longest waiter, `again` and `"taken"`, the avoid rule both ways, the
 * bounded look; and nothing left once the queue is empty.
 */
export async function matchContract(
  t: Deno.TestContext,
  [b0, b1]: ClusterBackend[],
  options: MatchContractOptions,
): Promise<void> {
  const ask = askers();
  const on0 = (name: string) => b0.idPrefix + name;
  const on1 = (name: string) => b1.idPrefix + name;

  await t.step("a waiter is found under its keys only", async () => {
    const plain = matchTicket(ask("P"), prefs([], "en"));
    assert.equal(await b1.match(on1("plain"), plain), null);
    const music = matchTicket(ask("M"), prefs(["music"], "en"));
    assert.equal(await b0.match(on0("music"), music), null);
    const fan = matchTicket(ask("F"), prefs(["film", "music"], "en"));
    assert.deepEqual(await b1.match(on1("fan"), fan), {
      partner: on0("music"),
      identity: "M",
      interests: ["music"],
      lang: "en",
      subjects: ["sM"],
    });
    const other = matchTicket(ask(), prefs([], "en"));
    assert.deepEqual(await b0.match(on0("other"), other), {
      partner: on1("plain"),
      identity: "P",
      interests: [],
      lang: "en",
      subjects: ["sP"],
    });
  });

  await t.step(
    "the longest waiter of the first tier that has one",
    async () => {
      // Asked first, listed last: its `since` still makes it the longest.
      const early = ask("E");
      const late = ask("L");
      await b0.match(on0("books"), matchTicket(late, prefs(["books"], "en")));
      await b1.match(on1("film"), matchTicket(early, prefs(["film"], "en")));
      const both = matchTicket(ask(), prefs(["books", "film"], "en"));
      assert.equal(partnerOf(await b0.match(on0("both"), both)), on1("film"));
      // An older waiter in a later tier loses to a newer one in the first.
      const anyLang = matchTicket(ask("X"), prefs(["chess"], "de"), true);
      assert.equal(await b1.match(on1("x"), anyLang), null);
      const english = matchTicket(ask("Y", ["X"]), prefs(["chess"], "en"));
      assert.equal(await b0.match(on0("y"), english), null);
      const z = matchTicket(ask(), prefs(["chess"], "en"));
      assert.equal(partnerOf(await b1.match(on1("z"), z)), on0("y"));
      assert.equal(partnerOf(await b1.match(on1("w"), z)), on1("x"));
      await b0.unqueue(on0("books"));
    },
  );

  await t.step(
    "again: a waiter falls back, or hears it was taken",
    async () => {
      const a = ask("A");
      const music = prefs(["music"], "en");
      assert.equal(await b0.match(on0("a"), matchTicket(a, music)), null);
      const plain = matchTicket(ask("P2"), prefs([], "en"));
      assert.equal(
        await b1.match(on1("p2"), plain),
        null,
        "a does not take it",
      );
      const fallen = matchTicket(a, music, true);
      assert.deepEqual(await b0.match(on0("a"), fallen, true), {
        partner: on1("p2"),
        identity: "P2",
        interests: [],
        lang: "en",
        subjects: ["sP2"],
      });
      assert.equal(await b0.match(on0("a"), fallen, true), "taken");
      // Taken by someone else, or gone: the same answer, and nothing queued.
      await b1.match(on1("b"), matchTicket(ask(), ANYONE));
      await b0.match(on0("c"), matchTicket(ask(), ANYONE));
      assert.equal(
        await b1.match(on1("b"), matchTicket(ask(), ANYONE), true),
        "taken",
      );
      assert.deepEqual(await options.leftovers(), []);
      // Nobody to meet: it waits under its fallen keys only.
      const d = ask("D");
      assert.equal(
        await b0.match(on0("d"), matchTicket(d, prefs(["go"], "en"))),
        null,
      );
      const fell = matchTicket(d, prefs(["go"], "en"), true);
      assert.equal(await b0.match(on0("d"), fell, true), null);
      assert.equal(
        partnerOf(await b1.match(on1("e"), matchTicket(ask(), ANYONE))),
        on0("d"),
      );
      assert.deepEqual(await options.leftovers(), []);
    },
  );

  await t.step("nobody meets whom either avoids", async () => {
    const anyone = (identity: string, avoid: string[] = []) =>
      matchTicket(ask(identity, avoid), ANYONE);
    // Each avoids the ones before it, so all three wait.
    assert.equal(await b0.match(on0("bot"), anyone("B")), null);
    assert.equal(await b1.match(on1("shy"), anyone("S", ["B", "V"])), null);
    assert.equal(await b0.match(on0("free"), anyone("F", ["B", "S"])), null);
    assert.deepEqual(await b1.match(on1("v"), anyone("V", ["B"])), {
      partner: on0("free"),
      identity: "F",
      interests: [],
      lang: "*",
      subjects: ["sF"],
    });
    assert.equal(partnerOf(await b1.match(on1("w2"), anyone("W"))), on0("bot"));
    assert.equal(partnerOf(await b0.match(on0("x2"), anyone(""))), on1("shy"));
  });

  await t.step("the shadowbanned meet only each other", async () => {
    const music = prefs(["music"], "en");
    const banned = matchTicket(ask("X", [], true), music);
    assert.equal(await b0.match(on0("banned"), banned), null);
    const clean = matchTicket(ask("C"), music);
    assert.equal(await b1.match(on1("clean"), clean), null, "not found");
    const other = matchTicket(ask("Y", [], true), music, true);
    assert.deepEqual(await b1.match(on1("other"), other), {
      partner: on0("banned"),
      identity: "X",
      interests: ["music"],
      lang: "en",
      subjects: ["sX"],
    });
    const late = matchTicket(ask("Z", [], true), ANYONE);
    assert.equal(await b0.match(on0("late"), late), null, "nor finds");
    await b1.unqueue(on1("clean"));
    await b0.unqueue(on0("late"));
    assert.deepEqual(await options.leftovers(), []);
  });

  await t.step(`the look under a key stops after ${options.scan}`, async () => {
    const ids: string[] = [];
    for (let i = 0; i <= options.scan; i++) {
      const [backend, id] = i % 2 ? [b1, on1(`s${i}`)] : [b0, on0(`s${i}`)];
      const who = i < options.scan ? "B" : "L";
      assert.equal(
        await backend.match(id, matchTicket(ask(who, ["B"]), ANYONE)),
        null,
      );
      ids.push(id);
    }
    // The one past the look is not found; one who avoids nobody takes the first.
    assert.equal(
      await b0.match(on0("seeker"), matchTicket(ask("V", ["B"]), ANYONE)),
      null,
    );
    assert.equal(
      partnerOf(await b1.match(on1("anyone"), matchTicket(ask(), ANYONE))),
      ids[0],
    );
    for (const id of [...ids, on0("seeker")]) {
      await (id.startsWith(b0.idPrefix) ? b0 : b1).unqueue(id);
    }
    assert.deepEqual(await options.leftovers(), []);
  });
}

/**
 * `ops` random requests and leaves (seeded) on `backends`, each also made
 * on a {@linkcode MemoryBackend}: every answer must be the reference's.
 * Few wait at a time, so that no key's look is cut short; `since` grows
 * with each request, so that the longest waiter is never a tie.
 */
export async function sameAsMemory(
  backends: ClusterBackend[],
  seed: number,
  ops = 400,
): Promise<void> {
  const random = prng(seed);
  const pick = <T>(from: readonly T[]): T =>
    from[Math.floor(random() * from.length)];
  const memory = new MemoryBackend();
  const ask = askers();
  const waiting: string[] = [];
  const asked = new Map<
    string,
    { asker: Asker; mine: Preferences; strictLanguage: boolean }
  >();
  const ids = ["", "A", "B", "C", "D"];
  for (let i = 0; i < ops; i++) {
    if (waiting.length > 0 && (random() < 0.25 || waiting.length > 20)) {
      const [id] = waiting.splice(Math.floor(random() * waiting.length), 1);
      memory.unqueue(id);
      await backends.find((b) => id.startsWith(b.idPrefix))!.unqueue(id);
      continue;
    }
    if (waiting.length > 0 && random() < 0.15) {
      // A waiter falls back: listed anew under wider keys, its `since` kept.
      const id = pick(waiting);
      const { asker, mine, strictLanguage } = asked.get(id)!;
      const ticket = matchTicket(asker, mine, true, strictLanguage);
      const expected = memory.match(id, ticket, true);
      const backend = backends.find((b) => id.startsWith(b.idPrefix))!;
      assert.deepEqual(
        await backend.match(id, ticket, true),
        expected,
        `again ${i}`,
      );
      if (expected !== null) {
        waiting.splice(waiting.indexOf(id), 1);
        waiting.splice(waiting.indexOf(partnerOf(expected)!), 1);
      }
      continue;
    }
    const backend = pick(backends);
    const id = `${backend.idPrefix}r${i}`;
    const asker = ask(
      pick(ids),
      ids.filter(() => random() < 0.2),
      random() < 0.15,
    );
    const mine = {
      interests: ["a", "b", "c", "d"].filter(() => random() < 0.3),
      lang: pick(["en", "de", "*"]),
      strict: random() < 0.1,
    };
    const strictLanguage = random() < 0.2;
    asked.set(id, { asker, mine, strictLanguage });
    const ticket = matchTicket(asker, mine, random() < 0.3, strictLanguage);
    const expected = memory.match(id, ticket);
    assert.deepEqual(await backend.match(id, ticket), expected, `request ${i}`);
    if (expected === null) waiting.push(id);
    else waiting.splice(waiting.indexOf(partnerOf(expected)!), 1);
  }
  for (const id of waiting) {
    await backends.find((b) => id.startsWith(b.idPrefix))!.unqueue(id);
  }
}

/**
 * `count` waiters, each with an interest of its own, on `waiters`: a
 * quarter are taken by a requester on `takers`, a quarter leave, a quarter
 * fall back and leave, and a quarter stay. Returns those who stay.
 */
export async function churn(
  [takers, waiters]: ClusterBackend[],
  count: number,
): Promise<string[]> {
  const ask = askers();
  const staying: string[] = [];
  for (let i = 0; i < count; i++) {
    const mine = prefs([`x${i}`], "en");
    const id = `${waiters.idPrefix}w${i}`;
    const asker = ask();
    assert.equal(await waiters.match(id, matchTicket(asker, mine)), null);
    switch (i % 4) {
      case 0: {
        const them = matchTicket(ask(), mine);
        assert.equal(
          partnerOf(await takers.match(`${takers.idPrefix}t${i}`, them)),
          id,
        );
        break;
      }
      case 1:
        await waiters.unqueue(id);
        break;
      case 2:
        assert.equal(
          await waiters.match(id, matchTicket(asker, mine, true), true),
          null,
        );
        await waiters.unqueue(id);
        break;
      case 3:
        staying.push(id);
    }
  }
  return staying;
}

/**
 * A waiter of an instance that never beat (dead) is met by a match on
 * `backends[1]`: it is not taken, and leaves every key it was listed under.
 */
export async function deadWaiterDropped(
  [b0, b1]: ClusterBackend[],
  leftovers: () => Promise<string[]>,
): Promise<void> {
  const ask = askers();
  const ghost = "deadbeef:1";
  const haunting = matchTicket(ask("G"), prefs(["music", "film"], "en"));
  assert.equal(await b0.match(ghost, haunting), null);
  assert.ok((await leftovers()).some((key) => key.includes("film")));
  const id = `${b1.idPrefix}m`;
  assert.equal(
    await b1.match(id, matchTicket(ask(), prefs(["music"], "en"))),
    null,
  );
  const left = await leftovers();
  assert.ok(left.length > 0, "the live one waits");
  assert.deepEqual(left.filter((k) => /deadbeef|film/.test(k)), []);
  await b1.unqueue(id);
  assert.deepEqual(await leftovers(), []);
}

/**
 * The local window (`MATCH_LOCAL_WINDOW`) as `b0`, matching with `window`
 * ms, applies it: a waiter of `b0` that asked at most `window` ms after the
 * longest waiter of the tier (one of `b1`, under another key of the tier)
 * is taken first; one that asked later is not, nor one in a later tier
 * even if it asked before. With a window of 0 the longest always wins.
 */
export async function localWindowContract(
  t: Deno.TestContext,
  [b0, b1]: ClusterBackend[],
  window: number,
  leftovers: () => Promise<string[]>,
): Promise<void> {
  let since = Date.now() - 60_000;
  let n = 0;
  /**
   * An older waiter on `b1` and a local one `after` ms later on `b0`, who
   * avoid each other so that both wait; then a requester on `b0` who may
   * take either. Returns whom it took, and lets the other go.
   */
  async function race(
    after: number,
    keys: { remote: Preferences; local: Preferences; fallen?: boolean },
  ): Promise<"local" | "remote"> {
    since += 10_000;
    const [remote, local] = [b1.idPrefix + `r${n}`, b0.idPrefix + `l${n++}`];
    const r = { identity: "R", avoid: ["L"], since };
    const l = { identity: "L", avoid: ["R"], since: since + after };
    assert.equal(await b1.match(remote, matchTicket(r, keys.remote)), null);
    assert.equal(
      await b0.match(local, matchTicket(l, keys.local, keys.fallen)),
      null,
    );
    const asker = { identity: "", avoid: [], since: since + after + 5 };
    const mine = prefs(["film", "music"], "en");
    const taken = partnerOf(
      await b0.match(`${b0.idPrefix}q${n}`, {
        ...matchTicket(asker, mine),
        // Both tiers of the fallen keys, so that a later tier is there.
        look: [...matchTicket(asker, mine).look, ["n:*"]],
      }),
    );
    await b1.unqueue(remote);
    await b0.unqueue(local);
    assert.ok(taken === remote || taken === local, "one of the two");
    return taken === local ? "local" : "remote";
  }
  const music = prefs(["music"], "en");
  const film = prefs(["film"], "en");
  const keys = { remote: music, local: film };

  if (window > 0) {
    await t.step(
      `one of ours up to ${window} ms later goes first`,
      async () => {
        assert.equal(await race(window, keys), "local");
        assert.equal(await race(1, keys), "local");
        // Under the same key too.
        assert.equal(
          await race(window, { remote: film, local: film }),
          "local",
        );
      },
    );
    await t.step(`one of ours more than ${window} ms later waits`, async () => {
      assert.equal(await race(window + 1, keys), "remote");
      assert.equal(
        await race(window + 1, { remote: film, local: film }),
        "remote",
      );
    });
  } else {
    await t.step("with no window the longest waiter goes first", async () => {
      assert.equal(await race(1, keys), "remote");
      assert.equal(await race(1, { remote: film, local: film }), "remote");
    });
  }
  await t.step("one of ours in a later tier waits, even if older", async () => {
    const anyone = prefs([], "de");
    assert.equal(
      await race(-1000, { remote: music, local: anyone, fallen: true }),
      "remote",
    );
  });
  assert.deepEqual(await leftovers(), []);
}
