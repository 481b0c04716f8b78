/**
 * The benchmark orchestrator: `deno task bench` (add `-- --quick` for a short
 * run, `-- --only relay,memory` to pick scenarios, and `--merge` with it to
 * replace only those scenarios in the last full results).
 *
 * Every scenario runs against our server and the reference relay
 * (`bench/reference_relay.ts`) in the same run, alternating, so that the
 * figures can be read as ratios that hold on a noisy machine; the relay,
 * open-loop and memory scenarios add the same relay on Node with npm `ws`
 * (`bench/node_reference_relay.mjs`) as a third contender, skipped with a
 * note where `node` or `node_modules/ws` is missing (or `--no-node`); the "redis"
 * scenario instead alternates our server in memory with two of our servers
 * relaying through a redis-server of its own, and the "interests" ones a
 * burst asking by interests with a plain one on our server alone (in memory
 * and through Redis, `interests_burst.ts`), and the safety ones our server
 * with evidence digests on and off, and with the proof of work `suspicious`
 * and `off` (`moderation.ts`), and the "resume" one resumable visitors
 * against today's (`resume.ts`). Servers are
 * pinned to core 0 and load generators (`bench/load.ts`) to core 1; the
 * server's CPU time and memory are read from `/proc` around each measurement
 * window. Writes `bench/results/latest.json` and `bench/results/latest.md`.
 *
 * The scenarios are in `scenarios.ts` and `open_loop.ts`, the processes they
 * start in `process.ts` and `generator.ts`, the rendering in `report.ts` and
 * `targets.ts`; this module holds the flags, the plan and the run.
 *
 * All load goes to loopback addresses only, is bounded in count and time, and
 * every child process is stopped at the end.
 *
 * @module
 */

import { alternate } from "./alternate.ts";
import { parseFlags, round } from "./lib.ts";
import { openAndFlood, redisRelay } from "./open_loop.ts";
import { nodeReference, stopAll, type Target } from "./process.ts";
import {
  type EdgeRow,
  type Machine,
  type Outcome,
  type Report,
  type Results,
  type Rounds,
  type WithNode,
  writeReport,
} from "./report.ts";
import { burst, churn, memory, type Ours, relay } from "./scenarios.ts";
import { presence } from "./presence.ts";
import { attack } from "./attack.ts";
import { interestBurst } from "./interests_burst.ts";
import { evidenceRelay, powBurst } from "./moderation.ts";
import { resumeRelay } from "./resume.ts";
import { churnCluster } from "./churn_cluster.ts";
import { capacity } from "./capacity.ts";
import { planFor } from "./plan.ts";
import { targets } from "./targets.ts";

const flags = parseFlags(Deno.args);
const quick = flags.has("quick");
const only = flags.get("only")?.split(",").map((s) => s.trim());
const root = new URL("../", import.meta.url).pathname;
const outDir = flags.get("out") ?? `${root}bench/results`;
/** `--ours-entry` and `--ours-flags="--idle-timeout 120"` (with `=`). */
const ours: Ours = {
  entry: flags.get("ours-entry") ?? `${root}main.ts`,
  flags: flags.get("ours-flags")?.split(/\s+/).filter(Boolean) ?? [],
};

const SCENARIOS = [
  "burst",
  "relay",
  "open",
  "memory",
  "churn",
  "redis",
  "edge",
  "presence",
  "attack",
  "interests",
  "interests-redis",
  "evidence",
  "pow-burst",
  "resume",
  "churn-cluster",
  "capacity",
] as const;
type Scenario = typeof SCENARIOS[number];

const plan = planFor(quick);

/** The Node reference, or why it cannot run here. */
const node = flags.has("no-node")
  ? { ok: false as const, reason: "--no-node" }
  : nodeReference();

/** Our server and the reference relay, alternating. */
function both<T>(
  label: string,
  rounds: number,
  fn: (target: Target) => Promise<T>,
): Promise<Rounds<"ours" | "reference", T>> {
  const contenders = ["ours", "reference"] as const;
  return alternate({ label, rounds, contenders }, fn);
}

/** {@linkcode both}, and the Node reference with them where it can run. */
function withNode<T>(
  label: string,
  rounds: number,
  fn: (target: Target) => Promise<T>,
): Promise<WithNode<T>> {
  const contenders: Target[] = node.ok
    ? ["ours", "reference", "node"]
    : ["ours", "reference"];
  return alternate({ label, rounds, contenders }, fn);
}

/** Node's version (`v20.20.2`), when the Node reference runs. */
async function nodeVersion(): Promise<string | undefined> {
  if (!node.ok) return undefined;
  const { stdout } = await new Deno.Command(node.node, { args: ["--version"] })
    .output();
  return new TextDecoder().decode(stdout).trim();
}

async function machine(): Promise<Machine> {
  const meminfo = Deno.readTextFileSync("/proc/meminfo");
  const memKb = Number(meminfo.match(/MemTotal:\s+(\d+)/)?.[1]);
  const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  return {
    cores: navigator.hardwareConcurrency,
    ramGiB: round(memKb / 1024 / 1024, 1),
    cpu: cpuinfo.match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown",
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    node: await nodeVersion(),
  };
}

/** `--rerender`: rebuilds the targets and the table from latest.json. */
async function rerender() {
  const text = await Deno.readTextFile(`${outDir}/latest.json`);
  const report = JSON.parse(text) as Report;
  report.targets = targets(report.results, plan);
  console.log(
    await writeReport(report, { outDir, churnEarly: plan.churnEarly }),
  );
}

async function main() {
  if (flags.has("rerender")) return await rerender();
  const wanted = (s: Scenario) => !only || only.includes(s);
  const started = performance.now();
  const results: Results = {};
  if (!quick && !only) {
    console.error(
      "Full benchmark: about 45 minutes. (--quick for a short run)",
    );
  }
  if (!node.ok && (["relay", "open", "memory"] as const).some(wanted)) {
    console.error(
      `Node reference (bench/node_reference_relay.mjs) skipped: ${node.reason}.`,
    );
  }
  if (wanted("burst")) {
    results.burst = {};
    for (const visitors of plan.burst) {
      results.burst[visitors] = await both(
        `burst ${visitors}`,
        1,
        (t) => burst(t, { ours, visitors }),
      );
    }
  }
  if (wanted("relay")) {
    results.relay = {};
    for (const pairs of plan.relayPairs) {
      results.relay[pairs] = await withNode(
        `relay ${pairs} pairs`,
        Number(flags.get("rounds") ?? plan.relayRounds),
        (t) => relay(t, { ours, pairs, seconds: plan.relaySeconds }),
      );
    }
  }
  if (wanted("open")) {
    results.open = await withNode(
      "open loop + flood",
      1,
      (t) => openAndFlood(t, { ours, seconds: plan.openSeconds }),
    );
  }
  if (wanted("memory")) {
    results.memory = await withNode(
      "memory",
      1,
      (t) => memory(t, { ours, steps: plan.memoryPairs }),
    );
  }
  if (wanted("churn")) {
    results.churn = await both(
      "churn",
      1,
      (t) =>
        churn(t, { ours, seconds: plan.churnSeconds, early: plan.churnEarly }),
    );
  }
  if (wanted("redis")) {
    results.redis = await alternate({
      label: "redis relay",
      rounds: plan.redisRounds,
      contenders: ["memory", "redis", "bare-redis"],
    }, (backend) => redisRelay(backend, { ours, seconds: plan.redisSeconds }));
  }

  if (wanted("edge")) {
    // Our server on each WebSocket edge (WS_EDGE), alternating: relay CPU
    // per 10k messages at the largest relay size, RSS per 1,000 sockets.
    results.edge = await alternate({
      label: "ws edge",
      rounds: plan.relayRounds,
      contenders: ["node", "deno"],
    }, async (edge): Promise<EdgeRow> => {
      const onEdge = { ...ours, flags: [...ours.flags, "--ws-edge", edge] };
      const pairs = plan.relayPairs.at(-1)!;
      const r = await relay("ours", {
        ours: onEdge,
        pairs,
        seconds: plan.relaySeconds,
      });
      const m = await memory("ours", { ours: onEdge, steps: plan.memoryPairs });
      return {
        pairs,
        serverCpuPer10k: r.serverCpuPer10k,
        messagesPerSecond: r.messagesPerSecond,
        relayP99Ms: r.relayMs.p99,
        rssPer1000SocketsMb: m.rssPer1000SocketsMb,
        idleRssMb: m.idleRssMb,
      };
    });
    for (
      const [key, label] of [["serverCpuPer10k", "CPU s / 10k msgs"], [
        "rssPer1000SocketsMb",
        "RSS MiB / 1,000 sockets",
      ]] as const
    ) {
      const mean = (rows: Outcome<EdgeRow>[]) => {
        const ok = rows.filter((o): o is EdgeRow => !("error" in o));
        return ok.reduce((n, o) => n + o[key], 0) / ok.length;
      };
      const node = mean(results.edge.node);
      const deno = mean(results.edge.deno);
      console.error(
        `  ws edge ${label}: node ${node.toFixed(3)} · deno ${
          deno.toFixed(3)
        } · ratio ${(node / deno).toFixed(2)}×`,
      );
    }
  }

  if (wanted("presence")) {
    results.presence = await both(
      "open pages (presence)",
      1,
      (t) =>
        presence(t, {
          ours,
          steps: plan.presencePages,
          seconds: plan.presenceSeconds,
        }),
    );
  }

  if (wanted("attack")) results.attack = await attack(ours);

  for (const home of ["memory", "redis"] as const) {
    const name = home === "memory" ? "interests" : "interests-redis";
    if (!wanted(name)) continue;
    // Fallback 0 for the ratios: at the default 10 s, pairs/s would measure
    // the wait of those without a sharer, not the matching.
    const visitors = plan.interestVisitors;
    const base = { ours, home, visitors };
    const ratio = await alternate({
      label: `${name} burst ${visitors}, fallback 0 s`,
      rounds: plan.interestRounds,
      contenders: ["plain", "interests"],
    }, (asking) => interestBurst(asking, { ...base, fallback: 0 }));
    const atDefault = await alternate({
      label: `${name} burst ${visitors}, default fallback`,
      rounds: 1,
      contenders: ["interests"],
    }, (asking) => interestBurst(asking, base));
    results[home === "memory" ? "interests" : "interestsRedis"] = {
      home,
      visitors,
      ratio,
      atDefault: atDefault.interests,
    };
  }

  if (wanted("evidence")) {
    const { rounds, ...load } = plan.evidence;
    results.evidence = await alternate({
      label: `evidence digests, ${load.pairs} pairs`,
      rounds,
      contenders: ["on", "off"],
    }, (evidence) => evidenceRelay(evidence, { ours, ...load }));
  }
  if (wanted("pow-burst")) {
    const { rounds, visitors } = plan.powBurst;
    results.powBurst = await alternate({
      label: `pow burst ${visitors}`,
      rounds,
      contenders: ["off", "suspicious"],
    }, (mode) => powBurst(mode, { ours, visitors }));
  }
  if (wanted("resume")) {
    const { rounds, ...load } = plan.resume;
    results.resume = await alternate({
      label: `resume, ${load.pairs} pairs`,
      rounds,
      contenders: ["on", "off"],
    }, (resume) => resumeRelay(resume, { ours, ...load }));
  }

  if (wanted("churn-cluster")) {
    const { rounds, seconds } = plan.churnCluster;
    results.churnCluster = await alternate({
      label: "churn across 3 instances",
      rounds,
      contenders: ["local", "strict"],
    }, (window) => churnCluster(window, { ours, seconds }));
  }

  if (wanted("capacity")) {
    results.capacity = [];
    for (const home of ["memory", "redis"] as const) {
      console.error(`  capacity · ${home}`);
      results.capacity.push(await capacity(home, { ours, ...plan.capacity }));
    }
  }

  const seconds = round((performance.now() - started) / 1000, 1);
  if (flags.has("merge") && only && !quick) {
    // Keeps the full run and replaces only the scenarios measured now.
    const full = JSON.parse(
      await Deno.readTextFile(`${outDir}/latest.json`),
    ) as Report;
    full.results = { ...full.results, ...results };
    full.targets = targets(full.results, plan);
    // Rows measured now replace those of any earlier later run.
    const earlier = (full.later ?? []).map((l) => ({
      ...l,
      scenarios: l.scenarios.filter((s) => !only.includes(s)),
    })).filter((l) => l.scenarios.length > 0);
    full.later = [...earlier, {
      scenarios: only,
      date: new Date().toISOString(),
      command: `deno task bench -- --only ${only.join(",")} --merge`,
      seconds,
    }];
    return console.log(
      await writeReport(full, { outDir, churnEarly: plan.churnEarly }),
    );
  }
  const report: Report = {
    date: new Date().toISOString(),
    quick,
    command: `deno task bench${
      quick || only
        ? ` --${quick ? " --quick" : ""}${
          only ? ` --only ${only.join(",")}` : ""
        }`
        : ""
    }`,
    machine: await machine(),
    seconds,
    results,
    targets: targets(results, plan),
  };
  console.log(
    await writeReport(report, { outDir, churnEarly: plan.churnEarly }),
  );
}

Deno.addSignalListener("SIGINT", async () => {
  await stopAll();
  Deno.exit(130);
});

try {
  await main();
} finally {
  await stopAll();
}
