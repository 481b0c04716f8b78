/**
 * Helpers for the abuse, fuzz and shutdown tests: a raw WebSocket client over
 * TCP that can send any bytes, skip pongs or stop reading, a seeded PRNG, and
 * a deadline for any promise.
 *
 * @module
 */

import { withTimeout } from "./support/net.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A frame read by {@linkcode RawSocket}. */
export interface RawFrame {
  opcode: number;
  payload: Uint8Array;
}

/** Options for {@linkcode RawSocket.connect}. */
export interface RawConnectOptions {
  /** Request path. @default {"/ws"} */
  path?: string;
  /** Extra request headers, such as `Origin`. @default {{}} */
  headers?: Record<string, string>;
}

/**
 * A WebSocket client built on a bare TCP connection: it reads only when
 * asked to, answers pings only when asked to, and sends any bytes at all.
 */
export class RawSocket {
  readonly conn: Deno.TcpConn;
  /** HTTP status of the handshake answer. */
  readonly status: number;
  /** The handshake answer's head (status line and headers). */
  readonly head: string;
  #buffer: Uint8Array;

  private constructor(
    conn: Deno.TcpConn,
    status: number,
    head: string,
    rest: Uint8Array,
  ) {
    this.conn = conn;
    this.status = status;
    this.head = head;
    this.#buffer = rest;
  }

  /** Connects to `port` on loopback and performs the handshake. */
  static async connect(
    port: number,
    options: RawConnectOptions = {},
  ): Promise<RawSocket> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const key = btoa(
      String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))),
    );
    const headers: Record<string, string> = {
      Host: `127.0.0.1:${port}`,
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Key": key,
      "Sec-WebSocket-Version": "13",
      ...options.headers,
    };
    const request = `GET ${options.path ?? "/ws"} HTTP/1.1\r\n` +
      Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") +
      "\r\n";
    await writeAll(conn, encoder.encode(request));
    let buffer: Uint8Array = new Uint8Array(0);
    while (true) {
      const end = indexOfHeadEnd(buffer);
      if (end !== -1) {
        const head = decoder.decode(buffer.subarray(0, end));
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        return new RawSocket(conn, status, head, buffer.slice(end + 4));
      }
      const chunk = new Uint8Array(4096);
      const n = await conn.read(chunk);
      if (n === null) {
        conn.close();
        throw new Error("connection closed during handshake");
      }
      buffer = concat(buffer, chunk.subarray(0, n));
    }
  }

  /** Sends one masked frame (`fin` and `rsv` bits as given). */
  async sendFrame(
    opcode: number,
    payload: Uint8Array | string,
    options: { fin?: boolean; rsv?: number } = {},
  ): Promise<void> {
    const data = typeof payload === "string"
      ? encoder.encode(payload)
      : payload;
    await writeAll(this.conn, encodeFrame(opcode, data, options));
  }

  /** Sends a text frame. */
  sendText(text: string): Promise<void> {
    return this.sendFrame(1, text);
  }

  /** Writes bytes as they are. */
  sendBytes(bytes: Uint8Array): Promise<void> {
    return writeAll(this.conn, bytes);
  }

  /** Reads the next frame, or `null` at the end of the stream. */
  async readFrame(): Promise<RawFrame | null> {
    while (true) {
      const frame = decodeFrame(this.#buffer);
      if (frame) {
        this.#buffer = this.#buffer.slice(frame.length);
        return { opcode: frame.opcode, payload: frame.payload };
      }
      const chunk = new Uint8Array(65536);
      let n: number | null;
      try {
        n = await this.conn.read(chunk);
      } catch {
        n = null;
      }
      if (n === null) return null;
      this.#buffer = concat(this.#buffer, chunk.subarray(0, n));
    }
  }

  /**
   * Reads frames until a text frame whose JSON `type` is `type`, answering
   * pings on the way; `null` if the stream ends or a close frame comes.
   */
  async nextJson(type: string): Promise<Record<string, unknown> | null> {
    while (true) {
      const frame = await this.readFrame();
      if (!frame || frame.opcode === 8) return null;
      if (frame.opcode === 9) await this.sendFrame(10, frame.payload);
      if (frame.opcode !== 1) continue;
      const value = JSON.parse(decoder.decode(frame.payload));
      if (value.type === type) return value;
    }
  }

  /** Reads until a close frame; its code, or `null` if the stream ends. */
  async closeCode(): Promise<number | null> {
    while (true) {
      const frame = await this.readFrame();
      if (!frame) return null;
      if (frame.opcode === 8) {
        return frame.payload.length >= 2
          ? (frame.payload[0] << 8) | frame.payload[1]
          : 1005;
      }
    }
  }

  /** Closes the TCP connection without a close frame. */
  drop(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** One WebSocket frame from a client, masked, as bytes. */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  options: { fin?: boolean; rsv?: number } = {},
): Uint8Array {
  const fin = options.fin ?? true;
  const len = payload.length;
  const extra = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const out = new Uint8Array(2 + extra + 4 + len);
  out[0] = (fin ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | (opcode & 0x0f);
  const view = new DataView(out.buffer);
  if (extra === 0) out[1] = 0x80 | len;
  else if (extra === 2) {
    out[1] = 0x80 | 126;
    view.setUint16(2, len);
  } else {
    out[1] = 0x80 | 127;
    view.setBigUint64(2, BigInt(len));
  }
  const mask = crypto.getRandomValues(new Uint8Array(4));
  out.set(mask, 2 + extra);
  const body = 2 + extra + 4;
  for (let i = 0; i < len; i++) out[body + i] = payload[i] ^ mask[i & 3];
  return out;
}

function decodeFrame(
  buffer: Uint8Array,
): { opcode: number; payload: Uint8Array; length: number } | null {
  if (buffer.length < 2) return null;
  const opcode = buffer[0] & 0x0f;
  let len = buffer[1] & 0x7f;
  let offset = 2;
  const view = new DataView(buffer.buffer, buffer.byteOffset);
  if (len === 126) {
    if (buffer.length < 4) return null;
    len = view.getUint16(2);
    offset = 4;
  } else if (len === 127) {
    if (buffer.length < 10) return null;
    len = Number(view.getBigUint64(2));
    offset = 10;
  }
  if (buffer.length < offset + len) return null;
  return {
    opcode,
    payload: buffer.slice(offset, offset + len),
    length: offset + len,
  };
}

function indexOfHeadEnd(buffer: Uint8Array): number {
  for (let i = 0; i + 3 < buffer.length; i++) {
    if (
      buffer[i] === 13 && buffer[i + 1] === 10 && buffer[i + 2] === 13 &&
      buffer[i + 3] === 10
    ) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await conn.write(bytes.subarray(written));
  }
}

/** A small seeded PRNG (mulberry32): the same seed, the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Resolves when `promise` does, or rejects after `ms` saying `what`: the
 * shared `withTimeout`, in the shape these tests call it.
 */
export function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  return withTimeout(promise, { ms, label: `${what} (${ms} ms)` });
}
