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
 *   all at once); each sends `request` on open. Replies once all are paired.
 * - `{"cmd":"closed","seconds":S}`: every paired visitor sends its next line
 *   after its own echo, as the widget does.
 * - `{"cmd":"open","seconds":S,"rate":R}`: R lines a second in total, spread
 *   evenly over the paired visitors, sent on schedule whatever the replies.
 * - `{"cmd":"flood","seconds":S}`: the first visitor sends as fast as its
 *   socket drains, reconnecting (with a partner) whenever it is closed.
 * - `{"cmd":"churn","seconds":S,"slots":K,"lines":L}`: K visitors at a time
 *   join, exchange L lines each and leave, over and over.
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
 * Latencies are in milliseconds. Each chat line starts with its send time
 * (`performance.now()`), so the receiver, in the same process, measures it.
 *
 * @module
 */

import {
  lines,
  parseFlags,
  type Percentiles,
  percentiles,
  round,
  sleep,
} from "./lib.ts";

const flags = parseFlags(Deno.args);
/** Visitor k connects to `ports[k % ports.length]`. */
const ports = (flags.get("ports") ?? flags.get("port") ?? "")
  .split(",").map(Number);
if (ports.some((p) => !Number.isInteger(p) || p <= 0)) {
  console.error("load.ts: --port P or --ports P1,P2 is required");
  Deno.exit(2);
}
let visitorsMade = 0;
const hosts = Number(flags.get("hosts") ?? 1);
const path = flags.get("path") ?? "/ws";
let nextHost = Number(flags.get("id") ?? 0);
const deadline = Number(flags.get("deadline") ?? 900);
/** `--forwarded unique`: each visitor its own X-Forwarded-For address;
 * `--forwarded 10.99.0.1`: all of them that one. Lets a server that trusts
 * the proxy header tell one abuser from a thousand loopback neighbours. */
const forwarded = flags.get("forwarded");
let forwardedNext = 0;
/** Deno's `WebSocket` takes headers, which the DOM typings do not know. */
type WebSocketWithHeaders = new (
  url: string,
  options: { headers: Record<string, string> },
) => WebSocket;

const PREFIX = '{"type":"message","message":"';
const ME_SUFFIX = '"from":"me"}';
const GUEST_SUFFIX = '"from":"guest"}';
const TEXT = " hello stranger, how is the weather where you are?";

/** Counters and samples of one measurement window. */
class Window {
  echoes = 0;
  guests = 0;
  sent = 0;
  /** `online` frames: the server's broadcasts arrive in bursts. */
  online = 0;
  echoLatency: number[] = [];
  relayLatency: number[] = [];
  record = false;
}

let window = new Window();
const errors = new Map<string, number>();
let errorCount = 0;

function error(kind: string): void {
  errorCount++;
  errors.set(kind, (errors.get(kind) ?? 0) + 1);
}

/** Parses the send time at the start of a chat line, or `NaN`. */
function sentAt(data: string): number {
  if (data.startsWith(PREFIX)) {
    return parseFloat(data.slice(PREFIX.length, PREFIX.length + 24));
  }
  const frame = JSON.parse(data);
  return parseFloat(frame.message);
}

/** One visitor: a socket and where it is in its conversation. */
class Visitor {
  readonly ws: WebSocket;
  readonly created = performance.now();
  opened = 0;
  paired = 0;
  closed = false;
  /** Closed by us or, in churn, by the server because the partner left. */
  expectedClose = false;
  closeCode = 0;
  /** Lines this visitor has had echoed and received in its conversation. */
  echoes = 0;
  guests = 0;
  /** Closed loop: send the next line after each echo while true. */
  looping = false;
  /** In churn, the partner leaving (4000) ends the chat normally. */
  partnerMayLeave = false;
  onPaired: (() => void) | null = null;
  onEcho: (() => void) | null = null;
  onGuest: (() => void) | null = null;
  onClosed: (() => void) | null = null;

  constructor() {
    const host = `127.0.0.${1 + (nextHost++ % hosts)}`;
    const port = ports[visitorsMade++ % ports.length];
    const url = `ws://${host}:${port}${path}`;
    if (forwarded) {
      const n = forwardedNext++;
      const address = forwarded === "unique"
        ? `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
        : forwarded;
      this.ws = new (WebSocket as unknown as WebSocketWithHeaders)(url, {
        headers: { "x-forwarded-for": address },
      });
    } else {
      this.ws = new WebSocket(url);
    }
    this.ws.onopen = () => {
      this.opened = performance.now();
      this.ws.send('{"type":"request"}');
    };
    this.ws.onmessage = (event) => this.#receive(event.data as string);
    this.ws.onerror = () => {
      if (!this.closed && !this.expectedClose) {
        error(this.opened ? "socket_error" : "connect_failed");
      }
    };
    this.ws.onclose = (event) => {
      this.closed = true;
      this.closeCode = event.code;
      if (event.code === 4000 && this.paired && this.partnerMayLeave) {
        this.expectedClose = true;
      }
      if (!this.expectedClose && this.opened) error(`closed_${event.code}`);
      this.onClosed?.();
    };
  }

  #receive(data: string): void {
    if (data.endsWith(ME_SUFFIX)) {
      this.echoes++;
      if (window.record) {
        window.echoes++;
        window.echoLatency.push(performance.now() - sentAt(data));
      }
      if (this.looping) this.send();
      this.onEcho?.();
    } else if (data.endsWith(GUEST_SUFFIX)) {
      this.guests++;
      if (window.record) {
        window.guests++;
        window.relayLatency.push(performance.now() - sentAt(data));
      }
      this.onGuest?.();
    } else {
      const frame = JSON.parse(data);
      if (frame.type === "response") {
        this.paired = performance.now();
        this.onPaired?.();
      } else if (frame.type === "online") {
        if (window.record) window.online++;
      } else if (frame.type === "error") {
        error(`error_${frame.code}`);
      }
    }
  }

  /** Sends one chat line stamped with `at` (default: now). */
  send(at = performance.now()): void {
    this.ws.send(`{"type":"message","message":"${at.toFixed(3)}${TEXT}"}`);
    window.sent++;
  }

  /** Closes on purpose. */
  close(): void {
    this.expectedClose = true;
    this.looping = false;
    if (!this.closed) this.ws.close();
  }
}

let visitors: Visitor[] = [];

/** Resolves when `visitor` is paired (true) or closed first (false). */
function pairedOrClosed(visitor: Visitor): Promise<boolean> {
  if (visitor.paired) return Promise.resolve(true);
  if (visitor.closed) return Promise.resolve(false);
  return new Promise((resolve) => {
    visitor.onPaired = () => resolve(true);
    visitor.onClosed = () => resolve(false);
  });
}

/** Resolves when `visitor`'s socket is open or closed. */
function openedOrClosed(visitor: Visitor): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (visitor.opened || visitor.closed) resolve();
      else setTimeout(check, 5);
    };
    check();
  });
}

function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  fallback: T,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<T>((resolve) =>
      timer = setTimeout(() => resolve(fallback), ms)
    ),
  ]).finally(() => clearTimeout(timer));
}

async function add(count: number, batch: number, timeoutMs: number) {
  const start = performance.now();
  const errorsBefore = errorCount;
  const added: Visitor[] = [];
  const step = batch > 0 ? batch : count;
  for (let i = 0; i < count; i += step) {
    const chunk: Visitor[] = [];
    for (let j = i; j < Math.min(count, i + step); j++) {
      chunk.push(new Visitor());
    }
    added.push(...chunk);
    if (batch > 0) await Promise.all(chunk.map(openedOrClosed));
  }
  const outcomes = await withTimeout(
    Promise.all(added.map(pairedOrClosed)),
    timeoutMs,
    [],
  );
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
    errors: errorCount - errorsBefore,
    elapsedMs: round(end - start),
    allPairedMs: round(lastPaired - start),
    connect: percentiles(connect),
    joinToPaired: percentiles([...joinToPaired]),
    requestToPaired: percentiles([...requestToPaired]),
    errorKinds: Object.fromEntries(errors),
    // Raw samples, so that the orchestrator can merge several generators.
    joinToPairedSamples: joinToPaired.map((ms) => round(ms, 2)),
  };
}

function live(): Visitor[] {
  return visitors.filter((v) => v.paired && !v.closed);
}

function summary(started: number, extra: Record<string, unknown> = {}) {
  const elapsed = (performance.now() - started) / 1000;
  const result: Record<string, unknown> = {
    seconds: round(elapsed),
    sent: window.sent,
    echoes: window.echoes,
    guests: window.guests,
    online: window.online,
    messagesPerSecond: round(window.echoes / elapsed, 1),
    echo: percentiles(window.echoLatency),
    relay: percentiles(window.relayLatency),
    errors: errorCount,
    ...extra,
  };
  window = new Window();
  return result;
}

async function closedLoop(seconds: number) {
  const active = live();
  window = new Window();
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
  return summary(started, { visitors: active.length });
}

async function openLoop(seconds: number, rate: number) {
  const active = live();
  window = new Window();
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
  return summary(started, {
    visitors: active.length,
    offeredPerSecond: rate,
    lost: window.sent - window.guests,
  });
}

async function flood(seconds: number) {
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
  window = new Window();
  const elapsed = (performance.now() - started) / 1000;
  return {
    seconds: round(elapsed),
    sent,
    sentPerSecond: round(sent / elapsed, 1),
    reconnects,
    closes: Object.fromEntries(closes),
  };
}

async function churn(seconds: number, slots: number, lineCount: number) {
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  const errorsBefore = errorCount;
  let conversations = 0;
  let responses = 0;
  const pairing: number[] = [];

  function conversation(): Promise<void> {
    return new Promise((resolve) => {
      const visitor = new Visitor();
      const giveUp = setTimeout(() => {
        error("churn_timeout");
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
    errors: errorCount - errorsBefore,
    errorKinds: Object.fromEntries(errors),
  };
}

function check() {
  return {
    visitors: visitors.length,
    open: visitors.filter((v) => v.opened && !v.closed).length,
    paired: live().length,
    errors: errorCount,
    errorKinds: Object.fromEntries(errors),
  };
}

interface Command {
  cmd: string;
  count?: number;
  batch?: number;
  seconds?: number;
  rate?: number;
  slots?: number;
  lines?: number;
  timeout?: number;
}

function reply(cmd: string, result: Record<string, unknown> | Percentiles) {
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
    case "check":
      reply("check", check());
      break;
    case "quit":
      for (const visitor of visitors) visitor.close();
      await sleep(200);
      reply("quit", {});
      Deno.exit(0);
  }
}
