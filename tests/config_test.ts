import assert from "node:assert/strict";
import { ConfigError, loadConfig, OPTIONS } from "../lib/ops/config.ts";
import { helpText } from "../lib/ops/config_help.ts";

const noEnv = () => undefined;

Deno.test("loadConfig() defaults: port 8000 on 0.0.0.0, in memory", () => {
  const config = loadConfig([], noEnv);
  assert.equal(config.port, 8000);
  assert.equal(config.hostname, "0.0.0.0");
  assert.equal(config.redisUrl, "");
  assert.equal(config.maxMessageLength, 2000);
  assert.equal(config.trustProxy, false);
  assert.deepEqual(config.allowedOrigins, []);
});

Deno.test("loadConfig() reads the environment, and a flag wins over it", () => {
  const env = (name: string) =>
    ({ PORT: "9000", ALLOWED_ORIGINS: "https://a.example, https://b.example" })[
      name
    ];
  assert.equal(loadConfig([], env).port, 9000);
  assert.equal(loadConfig(["--port", "9100"], env).port, 9100);
  assert.equal(loadConfig(["--port=9200"], env).port, 9200);
  assert.equal(loadConfig(["--", "--port", "9300"], env).port, 9300);
  assert.deepEqual(loadConfig([], env).allowedOrigins, [
    "https://a.example",
    "https://b.example",
  ]);
});

Deno.test("loadConfig() TRUST_PROXY names one header; the old true means x-forwarded-for", () => {
  const trust = (value: string) =>
    loadConfig([], (n) => n === "TRUST_PROXY" ? value : undefined).trustProxy;
  assert.equal(trust("forwarded"), "forwarded");
  assert.equal(trust("X-Forwarded-For"), "x-forwarded-for");
  assert.equal(trust("1"), "x-forwarded-for");
  assert.equal(trust("true"), "x-forwarded-for");
  assert.equal(trust("false"), false);
  assert.equal(
    loadConfig(["--trust-proxy"], noEnv).trustProxy,
    "x-forwarded-for",
  );
  assert.equal(
    loadConfig(["--trust-proxy", "--port", "1"], noEnv).trustProxy,
    "x-forwarded-for",
  );
  assert.equal(
    loadConfig(["--trust-proxy", "forwarded"], noEnv).trustProxy,
    "forwarded",
  );
});

Deno.test("loadConfig() checks IPV4_PREFIX and PUBLIC_ORIGIN", () => {
  assert.equal(loadConfig([], noEnv).ipv4Prefix, 32);
  assert.equal(loadConfig(["--ipv4-prefix", "24"], noEnv).ipv4Prefix, 24);
  assert.throws(() => loadConfig(["--ipv4-prefix", "33"], noEnv), ConfigError);
  assert.throws(() => loadConfig(["--ipv4-prefix", "4"], noEnv), ConfigError);
  assert.equal(loadConfig([], noEnv).publicOrigin, "");
  assert.equal(
    loadConfig(["--public-origin", "https://chat.example.com"], noEnv)
      .publicOrigin,
    "https://chat.example.com",
  );
  for (const bad of ["chat.example.com", "https://chat.example.com/path"]) {
    assert.throws(
      () => loadConfig(["--public-origin", bad], noEnv),
      ConfigError,
      bad,
    );
  }
});

Deno.test("loadConfig() refuses unknown flags and malformed values", () => {
  assert.throws(() => loadConfig(["--prot", "1"], noEnv), ConfigError);
  assert.throws(() => loadConfig(["--port", "eighty"], noEnv), ConfigError);
  assert.throws(() => loadConfig(["--port", "-1"], noEnv), ConfigError);
  assert.throws(() => loadConfig(["--port"], noEnv), ConfigError);
  assert.throws(() => loadConfig(["--log-format", "xml"], noEnv), ConfigError);
  assert.throws(
    () => loadConfig([], (n) => n === "TRUST_PROXY" ? "maybe" : undefined),
    ConfigError,
  );
});

Deno.test("--help lists every option with its variable", () => {
  const help = helpText();
  for (const option of OPTIONS) {
    assert.ok(help.includes(option.flag), option.flag);
    assert.ok(help.includes(`env ${option.env}`), option.env);
  }
});

Deno.test("helpText() starts every description in one column and wraps within 80", () => {
  const lines = helpText().split("\n");
  const rows = lines.slice(lines.findIndex((l) => l.startsWith("Options")) + 1)
    .filter((line) => line !== "");
  const heads = rows.filter((line) => line.startsWith("  -"));
  assert.equal(heads.length, OPTIONS.length + 2, "--help, --version, options");
  const column = /^ {2}\S+(?: <\w+>)? {2,}/.exec(heads[0])![0].length;
  for (const line of rows) {
    assert.ok(line.length <= 80, `longer than 80: ${line}`);
    // A flag and its text never run together: at least two spaces between.
    assert.match(line.slice(0, column), /^( {2}\S+(?: <\w+>)? {2,}| +)$/, line);
    assert.notEqual(line[column], " ", `text not in column ${column}: ${line}`);
  }
  for (const option of OPTIONS) {
    const head = heads.find((l) => l.startsWith(`  ${option.flag} <`));
    assert.ok(head, option.flag);
    assert.equal(head.slice(column, column + 12), option.help.slice(0, 12));
  }
});

Deno.test("main.ts --help and --version exit 0; a bad flag exits 2", async () => {
  const main = new URL("../main.ts", import.meta.url).pathname;
  const run = (...args: string[]) =>
    new Deno.Command(Deno.execPath(), { args: ["run", "-A", main, ...args] })
      .output();
  const help = await run("--help");
  assert.equal(help.code, 0);
  assert.match(new TextDecoder().decode(help.stdout), /--max-sockets-per-ip/);
  const version = await run("--version");
  assert.equal(version.code, 0);
  assert.match(
    new TextDecoder().decode(version.stdout),
    /^strangers \d+\.\d+\.\d+/,
  );
  const bad = await run("--no-such-flag");
  assert.equal(bad.code, 2);
  assert.match(
    new TextDecoder().decode(bad.stderr),
    /unknown option --no-such-flag/,
  );
});
