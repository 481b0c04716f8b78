import assert from "node:assert/strict";
import { pair } from "./helpers.ts";
import { prng, RawSocket, within } from "./security_helpers.ts";
import { NO_ADDRESS_LIMITS, spawnServer } from "./server_process.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? Date.now() % 2 ** 31);
const SOCKETS = 16;
const FRAMES = Number(Deno.env.get("FUZZ_FRAMES") ?? 18000);
const MiB = 1024 * 1024;

const VALID = [
  '{"type":"request"}',
  '{"type":"message","message":"hello"}',
  '{"type":"typing","on":true}',
  '{"type":"typing","on":false}',
];

type Random = () => number;

function int(random: Random, n: number): number {
  return Math.floor(random() * n);
}

function bytes(random: Random, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = int(random, 256);
  return out;
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[int(random, items.length)];
}

/** A frame to send; `fatal` when it breaks the WebSocket protocol itself. */
interface Hostile {
  opcode: number;
  payload: Uint8Array | string;
  fin?: boolean;
  rsv?: number;
  fatal?: boolean;
}

/** One hostile frame. */
function hostile(random: Random): Hostile {
  const text = (payload: string) => ({ opcode: 1, payload });
  switch (int(random, 12)) {
    case 0:
      return {
        opcode: 1,
        payload: bytes(random, int(random, 300)),
        fatal: true,
      };
    case 1:
      return { opcode: 2, payload: bytes(random, int(random, 3000)) };
    case 2: {
      const depth = 1 + int(random, 20_000);
      return text(random() < 0.5 ? "[".repeat(depth) : '{"a":'.repeat(depth));
    }
    case 3:
      return text(pick(random, [
        '{"type":"message","message":1e999999}',
        '{"type":1e309}',
        `{"type":"typing","on":${"9".repeat(5000)}}`,
        `{"type":"message","message":"x","n":-${"9".repeat(300)}e-99999}`,
        "123456789012345678901234567890",
      ]));
    case 4:
      return text(pick(random, [
        '{"type":"message","message":"\\ud800"}',
        '{"type":"message","message":"a\\udfffb"}',
        '{"type":"\\ud83d"}',
        '{"type":"message","message":"\\u0000\\u001f\\u2028"}',
      ]));
    case 5: {
      const keys = Array.from({ length: 10_000 }, (_, i) => `"k${i}":${i}`);
      return text(`{"type":"message",${keys.join(",")},"message":"m"}`);
    }
    case 6:
      return text(pick(random, [
        '{"__proto__":{"type":"request"}}',
        '{"type":"message","message":"x","__proto__":null}',
        '{"constructor":{"prototype":{"type":"request"}},"type":"typing"}',
        '{"type":"message","message":{"toString":"x"}}',
        '{"type":["request"]}',
      ]));
    case 7: {
      // A valid frame with a few bytes flipped, cut or repeated.
      const base = new TextEncoder().encode(pick(random, VALID));
      const out = Array.from(base);
      for (let n = 1 + int(random, 4); n > 0; n--) {
        const at = int(random, out.length);
        const kind = int(random, 3);
        if (kind === 0) out[at] = int(random, 256);
        else if (kind === 1) out.splice(at);
        else out.splice(at, 0, ...out.slice(0, int(random, 20)));
      }
      const payload = new Uint8Array(out);
      return { opcode: 1, payload, fatal: !isUtf8(payload) };
    }
    case 8:
      return text(pick(random, VALID));
    case 9:
      // Reserved opcodes and bits, and stray continuation frames.
      return {
        opcode: pick(random, [0, 3, 7, 11, 15]),
        payload: bytes(random, int(random, 50)),
        rsv: int(random, 8),
        fatal: true,
      };
    case 10: {
      // Unfinished fragments; pings and pongs, too long past 125 bytes.
      if (random() < 0.5) {
        return { opcode: 1, payload: '{"type":', fin: false, fatal: true };
      }
      const n = int(random, 200);
      return {
        opcode: pick(random, [9, 10]),
        payload: bytes(random, n),
        fatal: n > 125,
      };
    }
    default:
      return text("x".repeat(int(random, 40_000)));
  }
}

function isUtf8(data: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

/** Reads (and pongs) until the server closes; counts close codes. */
async function drain(raw: RawSocket, codes: Map<number, number>) {
  const code = await raw.closeCode().catch(() => null) ?? 1006;
  codes.set(code, (codes.get(code) ?? 0) + 1);
  raw.drop();
}

Deno.test(`fuzz: ${FRAMES} hostile frames from ${SOCKETS} sockets (FUZZ_SEED=${SEED}) never hurt the server or a chatting pair`, async () => {
  console.log(`FUZZ_SEED=${SEED}`);
  // One PRNG per socket: the interleaving varies, each socket's frames don't.
  const randoms = Array.from({ length: SOCKETS }, (_, i) => prng(SEED + i));
  const server = await spawnServer({
    args: [
      ...NO_ADDRESS_LIMITS,
      "--max-frame-bytes",
      "262144",
      "--rate-messages",
      "100000",
      "--rate-burst",
      "100000",
    ],
  });
  try {
    const [a, b] = await pair(server.wsUrl);
    const baseline = await server.rss();
    let fuzzing = true;
    let lines = 0;
    const chat = (async () => {
      while (fuzzing) {
        const text = `line ${lines}`;
        a.send({ type: "message", message: text });
        assert.equal((await b.next("message", 10_000)).message, text);
        lines++;
      }
    })();

    const codes = new Map<number, number>();
    let sent = 0;
    let volume = 0;
    const worker = async (random: Random, target: number) => {
      let mine = 0;
      while (mine < target) {
        const raw = await RawSocket.connect(server.port);
        assert.equal(raw.status, 101);
        const reading = drain(raw, codes);
        if (random() < 0.5) await raw.sendText('{"type":"request"}');
        try {
          for (let i = 0; i < 50 && mine < target; i++) {
            const { opcode, payload, fin, rsv, fatal } = hostile(random);
            // A protocol breaker ends the socket: send it last, sometimes.
            if (fatal && i < 49 && random() < 0.95) continue;
            sent++;
            mine++;
            volume += payload.length;
            await raw.sendFrame(opcode, payload, { fin, rsv });
            if (fatal) break;
          }
          if (random() < 0.5) await raw.sendFrame(8, new Uint8Array([3, 232]));
          else raw.drop();
        } catch {
          // The server hung up mid-write: that is its right.
          raw.drop();
        }
        await within(reading, 10_000, "fuzz socket closed");
      }
    };
    const storm = (target: number) =>
      Promise.all(randoms.map((random) => worker(random, target / SOCKETS)));
    // The heap grows to a working size (~150 MiB over the baseline here)
    // and stays there however long the storm; kept input would exceed it.
    await storm(FRAMES / 3);
    const plateau = await server.rss();
    await storm(FRAMES * 2 / 3);
    fuzzing = false;
    await chat;
    assert.ok(lines > 0);

    // Still serving, with nothing uncaught.
    a.send({ type: "message", message: "survived" });
    assert.equal((await b.next("message")).message, "survived");
    const metrics = await (await fetch(server.url + "/metrics")).text();
    assert.match(metrics, /^strangers_uncaught_errors_total 0$/m);
    const after = await server.rss();
    console.log(
      `seed ${SEED}: ${sent} frames (${
        (volume / MiB).toFixed(0)
      } MiB), ${lines} chat lines meanwhile, closes ${
        JSON.stringify([...codes])
      }, rss ${(baseline / MiB).toFixed(1)} -> ${
        (plateau / MiB).toFixed(1)
      } -> ${(after / MiB).toFixed(1)} MiB`,
    );
    assert.ok(volume > 256 * MiB, "enough input to see a leak");
    assert.ok(after - baseline < 256 * MiB, "memory grew with the input");
    await a.close();
    await b.closed;
  } finally {
    const status = await server.stop();
    assert.equal(status.code, 0, `exit ${status.code}, seed ${SEED}`);
    const bad = server.lines.filter((l) =>
      /"uncaught"|"request_failed"|"level":"error"|panicked|Uncaught/.test(l)
    );
    assert.deepEqual(bad, [], `seed ${SEED}`);
  }
});
