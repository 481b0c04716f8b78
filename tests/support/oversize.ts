/**
 * The oversized-message attack of the hardening issue, shared by
 * `tests/edge_test.ts` and `deno task bench -- --only attack`: from one
 * address, sockets that send unfinished fragmented messages and sockets
 * that send one 60 MiB frame each, until the server closes them; and a
 * victim pair chatting beside them, timed line by line.
 *
 * @module
 */

import { encodeFrame, RawSocket, within } from "../security_helpers.ts";

const MiB = 1024 * 1024;

/** How one attacking socket ended. */
export interface AttackerResult {
  /** The close code the server sent, or `null` if none came. */
  code: number | null;
  /** Bytes written before the server stopped us. */
  sent: number;
}

/** Writes `chunk` until the socket is closed by the server; bytes written. */
async function pour(
  raw: RawSocket,
  first: Uint8Array,
  chunk: () => Uint8Array,
  limit: number,
): Promise<AttackerResult> {
  let closed = false;
  const code = raw.closeCode().finally(() => closed = true);
  let sent = 0;
  try {
    await raw.sendBytes(first);
    sent += first.length;
    while (!closed && sent < limit) {
      const bytes = chunk();
      await raw.sendBytes(bytes);
      sent += bytes.length;
    }
  } catch {
    // Reset by the server: it stopped listening to us.
  }
  const result = { code: await within(code, 10_000, "close frame"), sent };
  raw.drop();
  return result;
}

/**
 * Runs the attack on the server at `port` (loopback): `fragmented` sockets
 * with unfinished fragmented messages (62 MiB each at most), then as many
 * with one 60 MiB frame each. Resolves when every socket has ended.
 */
export async function oversizeAttack(
  port: number,
  fragmented = 20,
): Promise<AttackerResult[]> {
  const fragment = new Uint8Array(4096).fill(0x61);
  const attackers = await Promise.all(
    Array.from({ length: 2 * fragmented }, () => RawSocket.connect(port)),
  );
  return await Promise.all(attackers.map((raw, i) => {
    if (i < fragmented) {
      // FIN=0 text, then continuations that never finish.
      return pour(
        raw,
        encodeFrame(1, fragment, { fin: false }),
        () => encodeFrame(0, fragment, { fin: false }),
        62 * MiB,
      );
    }
    // One 60 MiB text frame: the header, then the payload streamed.
    const header = encodeFrame(1, new Uint8Array(0));
    const head = new Uint8Array(14);
    head[0] = 0x81;
    head[1] = 0x80 | 127;
    new DataView(head.buffer).setBigUint64(2, BigInt(60 * MiB));
    head.set(header.subarray(2, 6), 10);
    const payload = new Uint8Array(64 * 1024).fill(0x20);
    return pour(raw, head, () => payload, 60 * MiB);
  }));
}

/** A chatting pair as the victim loop needs it. */
export interface VictimSide {
  send(frame: unknown): void;
  next(type: string): Promise<unknown>;
}

/**
 * Relays a line back and forth every 20 ms while `running()` holds, timing
 * each from send until the partner has it and the sender its echo (ms).
 */
export async function victimLatencies(
  [a, b]: [VictimSide, VictimSide],
  running: () => boolean,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; running(); i++) {
    const [from, to] = i % 2 ? [a, b] : [b, a];
    const t0 = performance.now();
    from.send({ type: "message", message: `m${i}` });
    await to.next("message");
    await from.next("message");
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return latencies;
}
