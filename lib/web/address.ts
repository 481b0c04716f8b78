/**
 * Client addresses for per-address limits: parsing IPv4 and IPv6 text
 * (zones, brackets and ports stripped, IPv4-mapped IPv6 read as IPv4),
 * grouping an address into the block one subscriber holds (an IPv6 /64, an
 * IPv4 prefix the operator chooses), and reading the client address and
 * scheme from the one proxy header the operator trusts. Pure: no sockets.
 *
 * @module
 */

/** A parsed IP address: 4 bytes for IPv4, 16 for IPv6. */
export type IpAddress =
  | { version: 4; bytes: Uint8Array }
  | { version: 6; bytes: Uint8Array };

/**
 * Parses `text` as an IP address, or `null`. Accepts what peers and proxies
 * write: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]:443`,
 * `fe80::1%eth0`, and reads `::ffff:1.2.3.4` as the IPv4 address it maps.
 */
export function parseIp(text: string): IpAddress | null {
  let s = text.trim();
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end === -1 || !/^(:\d{1,5})?$/.test(s.slice(end + 1))) return null;
    s = s.slice(1, end);
  } else if (/^[\d.]+:\d{1,5}$/.test(s)) {
    s = s.slice(0, s.lastIndexOf(":"));
  }
  const zone = s.indexOf("%");
  if (zone !== -1) s = s.slice(0, zone);
  const v4 = parseIpv4(s);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = parseIpv6(s);
  if (!v6) return null;
  const mapped = v6.subarray(0, 10).every((b) => b === 0) &&
    v6[10] === 0xff && v6[11] === 0xff;
  return mapped
    ? { version: 4, bytes: v6.slice(12) }
    : { version: 6, bytes: v6 };
}

function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    // No leading zeros: `010` is octal to some parsers, decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    bytes[i] = n;
  }
  return bytes;
}

function parseIpv6(s: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const words: number[][] = [];
  for (const half of halves) {
    const out: number[] = [];
    const groups = half === "" ? [] : half.split(":");
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i];
      if (i === groups.length - 1 && group.includes(".")) {
        const v4 = parseIpv4(group);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
        out.push(parseInt(group, 16));
      } else {
        return null;
      }
    }
    words.push(out);
  }
  let all: number[];
  if (words.length === 1) {
    if (words[0].length !== 8) return null;
    all = words[0];
  } else {
    const gap = 8 - words[0].length - words[1].length;
    if (gap < 1) return null;
    all = [...words[0], ...new Array(gap).fill(0), ...words[1]];
  }
  const bytes = new Uint8Array(16);
  all.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

/** Options for {@linkcode addressGroup}. */
export interface AddressGroupOptions {
  /** Leading bits of an IPv4 address that make its group (0 to 32). @default {32} */
  ipv4Prefix?: number;
  /** Leading bits of an IPv6 address that make its group (0 to 128). @default {64} */
  ipv6Prefix?: number;
}

/**
 * The key under which `address` is counted: an IPv4 address as is (or its
 * `a.b.c.0/24`-style block with a shorter prefix), an IPv6 address as its
 * `/64` (`2001:db8:1:2::/64`), since one subscriber gets a whole /64.
 * Text that is no IP address is returned as it is.
 */
export function addressGroup(
  address: string,
  options: AddressGroupOptions = {},
): string {
  const ip = parseIp(address);
  if (!ip) return address;
  const max = ip.version === 4 ? 32 : 128;
  const wanted = ip.version === 4
    ? options.ipv4Prefix ?? 32
    : options.ipv6Prefix ?? 64;
  const prefix = Math.max(0, Math.min(max, Math.trunc(wanted)));
  const bytes = ip.bytes.slice();
  for (let bit = prefix; bit < max; bit++) {
    bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  }
  const text = ip.version === 4 ? bytes.join(".") : formatIpv6(bytes);
  return prefix === max ? text : `${text}/${prefix}`;
}

/** RFC 5952 text: lower case, the longest run of zero words as `::`. */
function formatIpv6(bytes: Uint8Array): string {
  const words = Array.from(
    { length: 8 },
    (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1],
  );
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart === -1) return hex.join(":");
  return hex.slice(0, bestStart).join(":") + "::" +
    hex.slice(bestStart + bestLength).join(":");
}

/**
 * Which proxy header names the client, when a proxy of ours is in front:
 * `false` (none: the TCP peer is the client), `x-forwarded-for` (with
 * `X-Forwarded-Proto`) or `forwarded` (RFC 7239, `for=` and `proto=`).
 */
export type TrustProxy = false | "x-forwarded-for" | "forwarded";

/**
 * The client's address: the socket's `peer`, or with a trusted proxy the
 * last hop of that proxy's header (the one our proxy appended; earlier hops
 * are whatever the client wrote), its port stripped. The other header is
 * ignored, and a last hop that is no IP address falls back to `peer`.
 */
export function clientAddress(
  headers: Headers,
  peer: string,
  trust: TrustProxy,
): string {
  const hop = lastHop(headers, trust)?.for;
  const ip = hop === undefined ? null : parseIp(hop);
  if (!ip) return peer;
  return ip.version === 4 ? ip.bytes.join(".") : formatIpv6(ip.bytes);
}

/**
 * The scheme (`http` or `https`) the client used, as the trusted proxy's
 * header says (`X-Forwarded-Proto`, or `proto=` in `Forwarded`); `null`
 * when no proxy is trusted or it says nothing usable.
 */
export function forwardedProto(
  headers: Headers,
  trust: TrustProxy,
): "http" | "https" | null {
  const proto = lastHop(headers, trust)?.proto?.toLowerCase();
  return proto === "http" || proto === "https" ? proto : null;
}

function lastHop(
  headers: Headers,
  trust: TrustProxy,
): { for?: string; proto?: string } | null {
  if (trust === "x-forwarded-for") {
    return {
      for: headers.get("x-forwarded-for")?.split(",").at(-1)?.trim(),
      proto: headers.get("x-forwarded-proto")?.split(",").at(-1)?.trim(),
    };
  }
  if (trust === "forwarded") {
    const last = headers.get("forwarded")?.split(",").at(-1);
    if (last === undefined) return null;
    const hop: { for?: string; proto?: string } = {};
    for (const pair of last.split(";")) {
      const eq = pair.indexOf("=");
      if (eq === -1) continue;
      const key = pair.slice(0, eq).trim().toLowerCase();
      const value = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
      if (key === "for" || key === "proto") hop[key] = value;
    }
    return hop;
  }
  return null;
}
