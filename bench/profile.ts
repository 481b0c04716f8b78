/**
 * Profiles our server under the closed-loop relay load: starts `main.ts` with
 * `--cpu-prof` pinned to core 0, drives it from `bench/load.ts` on core 1,
 * stops it, and prints where the time went: self time by function, and the
 * inclusive time of each function in our own code.
 *
 * Usage: `deno run -A bench/profile.ts [--pairs 2000] [--seconds 8]
 * [--scenario closed|churn|redis] [--profile file.cpuprofile]` (the last one
 * only summarises an existing profile). `redis` profiles both instances of
 * the Redis relay scenario (500 pairs, each spanning the two, open loop at
 * 2,000 lines/s, or with `--closed` a closed loop) and summarises each.
 *
 * @module
 */

import { startFleet } from "./fleet.ts";
import { Generator } from "./generator.ts";
import { parseFlags, round, sleep } from "./lib.ts";
import { OURS_BASE, OURS_UNTHROTTLED, ROOT, stopAll } from "./process.ts";

const flags = parseFlags(Deno.args);
const scenario = flags.get("scenario") ?? "closed";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(`file://${ROOT}`, "").replace(
    /^.*\/ext:/,
    "ext:",
  );
  return `${frame.functionName || "(anonymous)"} ${file}:${
    frame.lineNumber + 1
  }`;
}

/** Prints the top self-time functions and our code's inclusive times. */
export function summarise(profile: Profile, top = 25): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const self = new Map<string, number>();
  for (const node of profile.nodes) {
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
  }
  // Inclusive: a function's hits plus its callees', counted once per stack.
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id)!;
    let hits = node.hitCount ?? 0;
    const key = label(node.callFrame);
    const fresh = !onStack.has(key);
    if (fresh) onStack.add(key);
    for (const child of node.children ?? []) hits += walk(child, onStack);
    if (fresh) {
      onStack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + hits);
    }
    return hits;
  };
  walk(profile.nodes[0].id, new Set());
  const pct = (n: number) => `${round((n / total) * 100, 1)}%`.padStart(6);
  console.log(`samples: ${total}\n\nself time, top ${top}:`);
  for (
    const [key, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)
  ) {
    console.log(`${pct(hits)}  ${key}`);
  }
  console.log("\ninclusive time in our code (lib/, routes/, main.ts):");
  const ours = [...inclusive].filter(([key]) =>
    /\s(lib|routes)\/|\smain\.ts/.test(key)
  );
  for (const [key, hits] of ours.sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${pct(hits)}  ${key}`);
  }
}

async function profileServers(): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "strangers_prof_" });
  const pairs = Number(
    flags.get("pairs") ?? (scenario === "redis" ? 500 : 2000),
  );
  const seconds = Number(flags.get("seconds") ?? 8);
  const fleet = await startFleet({
    instances: scenario === "redis" ? 2 : 1,
    args: scenario === "churn" ? OURS_BASE : OURS_UNTHROTTLED,
    ours: { entry: `${ROOT}main.ts`, flags: [] },
    denoFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
  });
  const { servers } = fleet;
  try {
    const generator = new Generator(fleet.redis ? servers : servers[0], {
      id: 0,
      deadline: 300,
    });
    const call = async (command: Record<string, unknown>) => {
      const reply = await generator.call(command);
      console.error(JSON.stringify(reply).slice(0, 300));
    };
    if (scenario === "closed") {
      await call({ cmd: "add", count: pairs * 2, batch: 500 });
      await call({ cmd: "closed", seconds });
    } else if (scenario === "redis") {
      // As the bench: visitor k on instance k % 2, each pair spanning both.
      await call({ cmd: "add", count: pairs * 2, batch: 2 });
      await call(
        flags.has("closed")
          ? { cmd: "closed", seconds }
          : { cmd: "open", seconds, rate: 2000 },
      );
    } else {
      await call({ cmd: "churn", seconds, slots: 200, lines: 3 });
    }
    await generator.quit();
    await sleep(500);
    // No SIGKILL after a grace period: the profile is written on the way out.
    for (const server of servers) server.child.kill("SIGTERM");
    await Promise.all(servers.map((s) => s.child.status));
  } finally {
    await fleet.stop();
  }
  // One per server, each named after its process.
  const files = [...Deno.readDirSync(dir)]
    .filter((e) => e.name.endsWith(".cpuprofile"))
    .map((e) => `${dir}/${e.name}`);
  if (files.length !== servers.length) {
    throw new Error(
      `${files.length} profiles in ${dir}, not ${servers.length}`,
    );
  }
  return files;
}

if (import.meta.main) {
  const given = flags.get("profile");
  let files = given ? [given] : [];
  try {
    if (!given) files = await profileServers();
  } finally {
    await stopAll();
  }
  for (const file of files) {
    console.log(`profile: ${file}`);
    summarise(JSON.parse(await Deno.readTextFile(file)));
  }
}
