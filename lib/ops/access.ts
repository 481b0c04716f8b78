/**
 * Who may read the figures that would help an attacker (how many wait, how
 * many are online): a request bearing `METRICS_TOKEN`, or one straight from
 * the local network. `/metrics` and `/healthz` share these checks.
 *
 * @module
 */

import { parseIp } from "../web/address.ts";

/**
 * Whether `authorization` is `Bearer <token>`. Both sides are hashed first so
 * that the comparison takes the same time whatever the length or the first
 * differing byte.
 */
export async function bearerMatches(
  authorization: string | null,
  token: string,
): Promise<boolean> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  const [given, wanted] = await Promise.all(
    [match?.[1] ?? "", token].map(async (text) =>
      new Uint8Array(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
      )
    ),
  );
  let diff = match ? 0 : 1;
  for (let i = 0; i < wanted.length; i++) diff |= given[i] ^ wanted[i];
  return diff === 0;
}

/**
 * Whether `peer` (the address of the direct TCP peer) is on this host or a
 * private network: loopback, RFC 1918, link-local, IPv6 unique-local.
 */
export function isLocalAddress(peer: string): boolean {
  const ip = parseIp(peer);
  if (!ip) return false;
  const [a, b] = ip.bytes;
  if (ip.version === 4) {
    return a === 127 || a === 10 || (a === 172 && (b & 0xf0) === 16) ||
      (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  const loopback = ip.bytes.subarray(0, 15).every((x) => x === 0) &&
    ip.bytes[15] === 1;
  return loopback || (a & 0xfe) === 0xfc || (a === 0xfe && (b & 0xc0) === 0x80);
}

/** Options for {@linkcode mayReadFigures}. */
export interface ReadFiguresOptions {
  /** The address of the direct TCP peer. */
  peer: string;
  /** `METRICS_TOKEN` (empty: none set). */
  token: string;
}

/**
 * Whether `req` may see the counts: it bears the token, or it comes straight
 * from the local network. A request a proxy forwarded (it names a client in
 * `Forwarded` or `X-Forwarded-For`) is not local, whoever the proxy is: a
 * reverse proxy on the same host would otherwise make every visitor local.
 */
export async function mayReadFigures(
  req: Request,
  options: ReadFiguresOptions,
): Promise<boolean> {
  if (
    options.token &&
    await bearerMatches(req.headers.get("authorization"), options.token)
  ) {
    return true;
  }
  const forwarded = req.headers.has("forwarded") ||
    req.headers.has("x-forwarded-for");
  return !forwarded && isLocalAddress(options.peer);
}
