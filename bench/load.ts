/**
 * The load generator: many visitors in one process, speaking the wire
 * protocol through Deno's native `WebSocket` client, with no dependencies.
 *
 * It is driven over stdio by `bench/run.ts`: one JSON command per line on
 * stdin, one JSON reply per line on stdout. Between commands the orchestrator
 * reads the server's CPU and memory from `/proc`, so a measurement window is
 * exactly the span of one command.
 *
 * Commands:
 * - `{"cmd":"add","count":N,"batch":B}`: open N visitors (B at a time, 0 for
 *   all at once); each sends `request` on open (a bare one, or as
 *   `"requests"` says: `interests.ts`). Replies once all are paired.
 * - `{"cmd":"closed","seconds":S}`: every paired visitor sends its next line
 *   after its own echo, as the widget does.
 * - `{"cmd":"open","seconds":S,"rate":R}`: R lines a second in total, spread
 *   evenly over the paired visitors, sent on schedule whatever the replies.
 * - `{"cmd":"flood","seconds":S}`: the first visitor sends as fast as its
 *   socket drains, reconnecting (with a partner) whenever it is closed.
 * - `{"cmd":"churn","seconds":S,"slots":K,"lines":L}`: K visitors at a time
 *   join, exchange L lines each and leave, over and over.
 * - `present` and `watch`: pages open on the first screen (`load_presence.ts`).
 * - `chat`: realistic chatters, for the capacity (`load_chatting.ts`).
 * - `{"cmd":"check"}`: how many visitors are open and paired, errors so far.
 * - `{"cmd":"quit"}`: closes every socket and exits.
 *
 * Flags: `--port P` or `--ports P1,P2,…` (one is required; with several
 * ports, visitor k of this process connects to the k-th port modulo their
 * count, so that visitors added two at a time sit on different instances and
 * nearly every pair crosses instances), `--hosts N` (connect to 127.0.0.1…127.0.0.N
 * in turn, so the 4-tuples do not run out of ephemeral ports), `--id K`
 * (offset into the host list), `--path /ws`, `--deadline S` (exit after S
 * seconds whatever happens), `--forwarded unique|ADDRESS` (send
 * X-Forwarded-For).
 *
 * Latencies are in milliseconds. The visitors themselves are in
 * `load_client.ts`.
 *
 * @module
 */

import type {
  AddReply,
  CheckReply,
  ChurnReply,
  ClosedReply,
  Command,
  FloodReply,
  OpenReply,
  WindowReply,
} from "./generator.ts";
import { lines, parseFlags, percentiles, round, sleep } from "./lib.ts";
import {
  Crowd,
  openedOrClosed,
  pairedOrClosed,
  Visitor,
  Window,
} from "./load_client.ts";
import { Pages } from "./load_presence.ts";
import { Chatters } from "./load_chatting.ts";
import { withTimeout } from "../tests/support/net.ts";

const flags = parseFlags(Deno.args);
/** Visitor k connects to `ports[k % ports.length]`. */
const ports = (flags.get("ports") ?? flags.get("port") ?? "")
  .split(",").map(Number);
if (ports.some((p) => !Number.isInteger(p) || p <= 0)) {
  console.error("load.ts: --port P or --ports P1,P2 is required");
  Deno.exit(2);
}
const deadline = Number(flags.get("deadline") ?? 900);
const crowd = new Crowd({
  ports,
  hosts: Number(flags.get("hosts") ?? 1),
  firstHost: Number(flags.get("id") ?? 0),
  path: flags.get("path") ?? "/ws",
  forwarded: flags.get("forwarded"),
});

let visitors: Visitor[] = [];
const pages = new Pages(crowd);
const chatters = new Chatters(crowd);

async function add(
  count: number,
  batch: number,
  timeoutMs: number,
): Promise<AddReply> {
  const start = performance.now();
  const errorsSince = crowd.errorsFrom();
  const added: Visitor[] = [];
  const step = batch > 0 ? batch : count;
  for (let i = 0; i < count; i += step) {
    const chunk: Visitor[] = [];
    for (let j = i; j < Math.min(count, i + step); j++) {
      chunk.push(new Visitor(crowd));
    }
    added.push(...chunk);
    if (batch > 0) await Promise.all(chunk.map(openedOrClosed));
  }
  // Pairing that outlasts the timeout is reported as such, not awaited.
  const outcomes = await withTimeout(
    Promise.all(added.map(pairedOrClosed)),
    { ms: timeoutMs, label: "pairing" },
  ).catch(() => []);
  const end = performance.now();
  visitors.push(...added);
  const paired = added.filter((v) => v.paired);
  const connect = paired.map((v) => v.opened - v.created);
  const joinToPaired = paired.map((v) => v.paired - v.created);
  const requestToPaired = paired.map((v) => v.paired - v.opened);
  const lastPaired = paired.reduce((max, v) => Math.max(max, v.paired), start);
  return {
    added: count,
    paired: paired.length,
    timedOut: outcomes.length === 0,
    ...errorsSince(),
    elapsedMs: round(end - start),
    allPairedMs: round(lastPaired - start),
    connect: percentiles(connect),
    joinToPaired: percentiles([...joinToPaired]),
    requestToPaired: percentiles([...requestToPaired]),
    // Raw samples, so that the orchestrator can merge several generators.
    joinToPairedSamples: joinToPaired.map((ms) => round(ms, 2)),
    sharing: paired.filter((v) => v.common > 0).length,
  };
}

function live(): Visitor[] {
  return visitors.filter((v) => v.paired && !v.closed);
}

/** The window's figures since `started` (`active` visitors); starts a new one. */
function summary(started: number, active: number): WindowReply {
  const { window } = crowd;
  const elapsed = (performance.now() - started) / 1000;
  const result = {
    seconds: round(elapsed),
    sent: window.sent,
    echoes: window.echoes,
    guests: window.guests,
    online: window.online,
    messagesPerSecond: round(window.echoes / elapsed, 1),
    echo: percentiles(window.echoLatency),
    relay: percentiles(window.relayLatency),
    errors: crowd.errorCount,
    visitors: active,
  };
  crowd.window = new Window();
  return result;
}

async function closedLoop(seconds: number): Promise<ClosedReply> {
  const active = live();
  const window = crowd.window = new Window();
  window.record = true;
  const started = performance.now();
  for (const visitor of active) {
    visitor.looping = true;
    visitor.send();
  }
  await sleep(seconds * 1000);
  for (const visitor of active) visitor.looping = false;
  // Let the last lines come home, so that the server's CPU window holds them.
  const drainUntil = performance.now() + 2000;
  while (window.echoes < window.sent && performance.now() < drainUntil) {
    await sleep(5);
  }
  window.record = false;
  return summary(started, active.length);
}

async function openLoop(seconds: number, rate: number): Promise<OpenReply> {
  const active = live();
  const window = crowd.window = new Window();
  window.record = true;
  const started = performance.now();
  const total = Math.round(seconds * rate);
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(
        total,
        Math.floor((performance.now() - started) * rate / 1000),
      );
      for (; sent < due; sent++) {
        // The scheduled time, not the time we got round to it: a late
        // generator must not hide the latency it caused (coordinated omission).
        const visitor = active[sent % active.length];
        if (!visitor.closed) visitor.send(started + sent * 1000 / rate);
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const drainUntil = performance.now() + 2000;
  while (window.guests < window.sent && performance.now() < drainUntil) {
    await sleep(5);
  }
  window.record = false;
  return {
    ...summary(started, active.length),
    offeredPerSecond: rate,
    lost: window.sent - window.guests,
  };
}

async function flood(seconds: number): Promise<FloodReply> {
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  let sent = 0;
  let reconnects = 0;
  const closes = new Map<number, number>();
  while (performance.now() < stopAt) {
    let pair = live().slice(0, 2);
    if (pair.length < 2) {
      for (const v of visitors) v.close();
      visitors = [];
      await add(2, 0, 5000);
      reconnects++;
      pair = live().slice(0, 2);
      if (pair.length < 2) {
        await sleep(10);
        continue;
      }
    }
    const [flooder, partner] = pair;
    flooder.expectedClose = partner.expectedClose = true;
    flooder.onClosed = partner.onClosed = null;
    while (!flooder.closed && performance.now() < stopAt) {
      for (let i = 0; i < 50 && flooder.ws.bufferedAmount < 1 << 16; i++) {
        flooder.send();
        sent++;
      }
      await sleep(0);
    }
    if (flooder.closed) {
      closes.set(flooder.closeCode, (closes.get(flooder.closeCode) ?? 0) + 1);
      partner.close();
    }
  }
  crowd.window = new Window();
  const elapsed = (performance.now() - started) / 1000;
  return {
    seconds: round(elapsed),
    sent,
    sentPerSecond: round(sent / elapsed, 1),
    reconnects,
    closes: Object.fromEntries(closes),
  };
}

async function churn(
  seconds: number,
  slots: number,
  lineCount: number,
): Promise<ChurnReply> {
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  const errorsSince = crowd.errorsFrom();
  let conversations = 0;
  let responses = 0;
  const pairing: number[] = [];

  function conversation(): Promise<void> {
    return new Promise((resolve) => {
      const visitor = new Visitor(crowd);
      const giveUp = setTimeout(() => {
        crowd.error("churn_timeout");
        visitor.close();
      }, 15_000);
      const finish = () => {
        if (visitor.echoes >= lineCount && visitor.guests >= lineCount) {
          visitor.close();
        }
      };
      visitor.onPaired = () => {
        responses++;
        pairing.push(visitor.paired - visitor.opened);
        visitor.send();
      };
      visitor.onEcho = () => {
        if (visitor.echoes < lineCount) visitor.send();
        finish();
      };
      visitor.onGuest = finish;
      visitor.onClosed = () => {
        clearTimeout(giveUp);
        if (visitor.paired) conversations++;
        resolve();
      };
      visitor.partnerMayLeave = true;
    });
  }

  async function slot(): Promise<void> {
    while (performance.now() < stopAt) await conversation();
  }

  await Promise.all(Array.from({ length: slots }, slot));
  const elapsed = (performance.now() - started) / 1000;
  return {
    seconds: round(elapsed),
    slots,
    responses,
    conversations,
    responsesPerSecond: round(responses / elapsed, 1),
    pairing: percentiles(pairing),
    ...errorsSince(),
  };
}

function check(): CheckReply {
  return {
    visitors: visitors.length,
    open: visitors.filter((v) => v.opened && !v.closed).length,
    paired: live().length,
    errors: crowd.errorCount,
    errorKinds: Object.fromEntries(crowd.errors),
  };
}

function reply(cmd: string, result: object) {
  console.log(JSON.stringify({ cmd, ...result }));
}

Deno.unrefTimer(setTimeout(() => {
  console.error(`load.ts: deadline of ${deadline} s reached, exiting`);
  Deno.exit(3);
}, deadline * 1000));

for await (const line of lines(Deno.stdin.readable)) {
  if (!line.trim()) continue;
  const command = JSON.parse(line) as Command;
  switch (command.cmd) {
    case "add":
      crowd.use(command.requests);
      reply(
        "add",
        await add(
          command.count ?? 0,
          command.batch ?? 0,
          (command.timeout ?? 60) * 1000,
        ),
      );
      break;
    case "closed":
      reply("closed", await closedLoop(command.seconds ?? 5));
      break;
    case "open":
      reply("open", await openLoop(command.seconds ?? 5, command.rate ?? 1000));
      break;
    case "flood":
      reply("flood", await flood(command.seconds ?? 5));
      break;
    case "churn":
      reply(
        "churn",
        await churn(
          command.seconds ?? 10,
          command.slots ?? 100,
          command.lines ?? 3,
        ),
      );
      break;
    case "present":
      reply("present", await pages.add(command.count ?? 0, command.batch));
      break;
    case "watch":
      reply("watch", await pages.watch(command.seconds ?? 5, command.every));
      break;
    case "chat":
      reply(
        "chat",
        await chatters.chat(command.count ?? 0, command.seconds ?? 5),
      );
      break;
    case "check":
      reply("check", check());
      break;
    case "quit":
      for (const visitor of visitors) visitor.close();
      pages.close();
      chatters.close();
      await sleep(200);
      reply("quit", {});
      Deno.exit(0);
  }
}
