import assert from "node:assert/strict";
import {
  addressGroup,
  clientAddress,
  forwardedProto,
  parseIp,
} from "./address.ts";

Deno.test("parseIp() reads IPv4 and IPv6 text as peers and proxies write it", () => {
  assert.deepEqual(
    parseIp("203.0.113.7")?.bytes,
    new Uint8Array([203, 0, 113, 7]),
  );
  assert.deepEqual(
    parseIp("203.0.113.7:8080")?.bytes,
    new Uint8Array([203, 0, 113, 7]),
  );
  assert.equal(parseIp("2001:db8::1")?.version, 6);
  assert.equal(parseIp("[2001:db8::1]:443")?.version, 6);
  assert.equal(parseIp("fe80::1%eth0")?.version, 6);
  assert.equal(parseIp("::")?.version, 6);
  assert.deepEqual(parseIp("::ffff:1.2.3.4"), {
    version: 4,
    bytes: new Uint8Array([1, 2, 3, 4]),
  });
  assert.deepEqual(
    parseIp("::ffff:0102:0304")?.bytes,
    new Uint8Array([1, 2, 3, 4]),
  );
  for (
    const garbage of [
      "",
      "unknown",
      "_hidden",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::1",
      "2001:db8::g",
      "[2001:db8::1",
      "[2001:db8::1]x",
      "1:2:3:4:5:6:7::8:9",
    ]
  ) {
    assert.equal(parseIp(garbage), null, garbage);
  }
});

Deno.test("addressGroup() groups IPv6 by /64 and IPv4 by the chosen prefix", () => {
  assert.equal(addressGroup("203.0.113.7"), "203.0.113.7");
  assert.equal(
    addressGroup("203.0.113.7", { ipv4Prefix: 24 }),
    "203.0.113.0/24",
  );
  assert.equal(addressGroup("203.0.113.7", { ipv4Prefix: 16 }), "203.0.0.0/16");
  assert.equal(addressGroup("203.0.113.7", { ipv4Prefix: 99 }), "203.0.113.7");
  assert.equal(addressGroup("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(
    addressGroup("::ffff:203.0.113.7", { ipv4Prefix: 24 }),
    "203.0.113.0/24",
  );
  // Full, compressed, bracketed and zoned spellings of one /64 agree.
  for (
    const spelling of [
      "2001:0db8:0001:0002:0000:0000:0000:0001",
      "2001:db8:1:2::1",
      "2001:DB8:1:2:aaaa:bbbb:cccc:dddd",
      "[2001:db8:1:2::ffff]:443",
      "2001:db8:1:2::1%eth0",
    ]
  ) {
    assert.equal(addressGroup(spelling), "2001:db8:1:2::/64", spelling);
  }
  assert.equal(addressGroup("2001:db8:1:3::1"), "2001:db8:1:3::/64");
  assert.equal(addressGroup("::1"), "::/64");
  assert.equal(addressGroup("2001:db8::1", { ipv6Prefix: 128 }), "2001:db8::1");
  assert.equal(
    addressGroup("1:0:0:2:0:0:0:3", { ipv6Prefix: 128 }),
    "1:0:0:2::3",
  );
  assert.equal(addressGroup("not an address"), "not an address");
});

Deno.test("clientAddress() trusts only the named header, takes its last hop and strips ports", () => {
  const headers = new Headers({
    "x-forwarded-for": "6.6.6.6, 203.0.113.7:5678",
    forwarded: 'for="198.51.100.9:1234";proto=http',
    "x-forwarded-proto": "https",
  });
  assert.equal(clientAddress(headers, "10.0.0.1", false), "10.0.0.1");
  assert.equal(
    clientAddress(headers, "10.0.0.1", "x-forwarded-for"),
    "203.0.113.7",
  );
  assert.equal(clientAddress(headers, "10.0.0.1", "forwarded"), "198.51.100.9");
  assert.equal(forwardedProto(headers, false), null);
  assert.equal(forwardedProto(headers, "x-forwarded-for"), "https");
  assert.equal(forwardedProto(headers, "forwarded"), "http");

  const v6 = new Headers({
    forwarded: 'for=1.1.1.1, for="[2001:db8::1]:443";proto=https',
  });
  assert.equal(clientAddress(v6, "10.0.0.1", "forwarded"), "2001:db8::1");
  assert.equal(forwardedProto(v6, "forwarded"), "https");
  // The untrusted header does not count, even when it is the only one.
  assert.equal(clientAddress(v6, "10.0.0.1", "x-forwarded-for"), "10.0.0.1");
  for (
    const last of ["for=unknown", 'for="_hidden"', "proto=https", "by=1.2.3.4"]
  ) {
    const h = new Headers({ forwarded: `for=1.1.1.1, ${last}` });
    assert.equal(clientAddress(h, "10.0.0.1", "forwarded"), "10.0.0.1", last);
  }
  assert.equal(
    clientAddress(
      new Headers({ "x-forwarded-for": "" }),
      "10.0.0.1",
      "x-forwarded-for",
    ),
    "10.0.0.1",
  );
  assert.equal(
    clientAddress(
      new Headers({ "x-forwarded-for": "garbage" }),
      "10.0.0.1",
      "x-forwarded-for",
    ),
    "10.0.0.1",
  );
  assert.equal(
    clientAddress(
      new Headers({ "x-forwarded-for": "::ffff:1.2.3.4" }),
      "10.0.0.1",
      "x-forwarded-for",
    ),
    "1.2.3.4",
  );
});
