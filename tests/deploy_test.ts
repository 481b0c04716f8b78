/**
 * The deployment files: the systemd unit passes `systemd-analyze verify`,
 * nginx and Caddy accept their configurations and carry a real chat to the
 * server, and the Dockerfile builds what `deno task start` needs. A test
 * whose tool is missing is skipped with a message saying which.
 *
 * @module
 */

import assert from "node:assert/strict";
import { pair, startTestServer, type TestServer } from "./helpers.ts";
import { freePort } from "./support/net.ts";

const root = new URL("../", import.meta.url);
const deployFile = (name: string) => new URL(`deploy/${name}`, root).pathname;

/** The absolute path of `tool` on PATH (or in sbin), or undefined. */
function which(tool: string): string | undefined {
  const dirs = (Deno.env.get("PATH") ?? "").split(":")
    .concat(["/usr/sbin", "/usr/local/sbin", "/sbin"]);
  for (const dir of dirs) {
    try {
      if (Deno.statSync(`${dir}/${tool}`).isFile) return `${dir}/${tool}`;
    } catch { /* not here */ }
  }
  return undefined;
}

/** Warns once that a tool is missing; returns true when it is. */
function missing(tool: string, path: string | undefined): boolean {
  if (!path) console.warn(`deploy_test: ${tool} not found, skipping its tests`);
  return !path;
}

const SYSTEMD_ANALYZE = which("systemd-analyze");
const NGINX = which("nginx");
const CADDY = which("caddy");
const DOCKER = which("docker");

async function run(
  cmd: string,
  args: string[],
  env?: Record<string, string>,
): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(cmd, {
    args,
    env,
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return { code, output: text.decode(stdout) + text.decode(stderr) };
}

/** `text` with `from` replaced, asserting it occurs exactly `count` times. */
function replaceExactly(
  text: string,
  from: string,
  to: string,
  count = 1,
): string {
  assert.equal(text.split(from).length - 1, count, `"${from}" in the file`);
  return text.replaceAll(from, to);
}

async function waitForHealth(url: string, child: Deno.ChildProcess) {
  let exited = false;
  child.status.then(() => exited = true);
  for (let i = 0; i < 200 && !exited; i++) {
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`proxy did not come up at ${url}`);
}

/**
 * Opens a WebSocket by hand through the proxy, claiming other addresses in
 * `X-Forwarded-For` and `Forwarded`, and returns the address the server
 * logged for it: the proxy must make its own hop the one the server takes.
 */
async function loggedAddressThrough(
  port: number,
  server: TestServer,
): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
        `Sec-WebSocket-Version: 13\r\nX-Forwarded-For: 203.0.113.9\r\n` +
        `Forwarded: for=198.51.100.7\r\n\r\n`,
    ));
    const buf = new Uint8Array(1024);
    const n = await conn.read(buf);
    const head = new TextDecoder().decode(buf.subarray(0, n ?? 0));
    assert.match(head, /^HTTP\/1\.1 101 /);
    for (let i = 0; i < 100; i++) {
      const open = server.logs.map((l) => JSON.parse(l))
        .find((e) => e.event === "ws_open");
      if (open) return open.ip;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("the server logged no ws_open");
  } finally {
    conn.close();
  }
}

/** The metrics token of the servers behind a proxy. */
const TOKEN = "deploy-test-token";

/** A chat through the proxy at `port`: pair, one line each way, health. */
async function chatThrough(port: number, server: TestServer): Promise<void> {
  const [a, b] = await pair(`ws://127.0.0.1:${port}/ws`);
  a.send({ type: "message", message: "through the proxy" });
  assert.equal((await a.next("message")).from, "me");
  assert.equal((await b.next("message")).message, "through the proxy");
  b.send({ type: "message", message: "and back" });
  assert.equal((await b.next("message")).from, "me");
  assert.equal((await a.next("message")).message, "and back");
  // Through a proxy only the token shows the counts.
  const health = await (await fetch(`http://127.0.0.1:${port}/healthz`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  })).json();
  assert.equal(health.pairs, 1);
  await a.close();
  assert.equal((await b.closed).code, 4000);
  assert.equal(await loggedAddressThrough(port, server), "127.0.0.1");
}

/** Runs `fn` in a fresh temporary directory, removed after. */
async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Starts `cmd` with `args` (and `env`), its output thrown away. */
function spawnQuiet(
  cmd: string,
  args: string[],
  env?: Record<string, string>,
): Deno.ChildProcess {
  return new Deno.Command(cmd, {
    args,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/**
 * Starts a chat server and, through `startProxy` (given a free port to listen
 * on and the server's port), a proxy in front of it; once the proxy is up,
 * runs {@linkcode chatThrough} and then `check`, and stops both.
 */
async function chatThroughProxy(
  startProxy: (port: number, upstream: number) => Promise<Deno.ChildProcess>,
  check: (port: number) => Promise<void> = async () => {},
): Promise<void> {
  const server = await startTestServer({
    trustProxy: "x-forwarded-for",
    logIps: true,
    metricsToken: TOKEN,
  });
  const port = freePort();
  const proxy = await startProxy(port, server.handle.port);
  try {
    await waitForHealth(`http://127.0.0.1:${port}`, proxy);
    await chatThrough(port, server);
    await check(port);
  } finally {
    proxy.kill("SIGTERM");
    await proxy.status;
    await server.stop();
  }
}

Deno.test({
  name: "deploy/strangers.service passes systemd-analyze verify",
  ignore: missing("systemd-analyze", SYSTEMD_ANALYZE),
  async fn(t) {
    const unit = await Deno.readTextFile(deployFile("strangers.service"));
    for (
      const line of [
        "ExecStart=/usr/local/bin/strangers",
        "Restart=always",
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "LimitNOFILE=65536",
        "Environment=PORT=8000",
        "EnvironmentFile=-/etc/strangers.env",
        "CapabilityBoundingSet=",
        "#   AmbientCapabilities=CAP_NET_BIND_SERVICE",
      ]
    ) {
      assert.ok(unit.split("\n").includes(line), `the unit has ${line}`);
    }
    await withTempDir(async (dir) => {
      // verify insists that ExecStart exists: the binary is not installed
      // here, so the copy points at a stand-in; nothing else changes.
      const binary = `${dir}/strangers`;
      await Deno.writeTextFile(binary, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      const copy = replaceExactly(
        unit,
        "ExecStart=/usr/local/bin/strangers",
        `ExecStart=${binary}`,
      );

      await t.step("the unit verifies with no diagnostics", async () => {
        await Deno.writeTextFile(`${dir}/strangers.service`, copy);
        const result = await run(SYSTEMD_ANALYZE!, [
          "verify",
          `${dir}/strangers.service`,
        ]);
        assert.equal(result.output.trim(), "");
        assert.equal(result.code, 0);
      });

      await t.step("a mistake in it would be reported", async () => {
        await Deno.writeTextFile(
          `${dir}/strangers.service`,
          replaceExactly(copy, "Restart=always", "Restart=sometimes"),
        );
        const result = await run(SYSTEMD_ANALYZE!, [
          "verify",
          `${dir}/strangers.service`,
        ]);
        assert.match(result.output, /restart specifier/);
      });
    });
  },
});

/** Wraps deploy/nginx.conf (an http-context file) in a whole nginx.conf. */
async function nginxHarness(
  dir: string,
  site: string,
): Promise<string> {
  await Deno.writeTextFile(`${dir}/strangers.conf`, site);
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(
    conf,
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\n` +
      `http {\n    access_log off;\n    include ${dir}/strangers.conf;\n}\n`,
  );
  return conf;
}

Deno.test("deploy/ proxy configs set the header TRUST_PROXY=x-forwarded-for trusts and clear Forwarded", async () => {
  for (const name of ["nginx.conf", "nginx-cluster.conf"]) {
    const text = await Deno.readTextFile(deployFile(name));
    assert.match(text, /TRUST_PROXY=x-forwarded-for/, name);
    const blocks = text.split(/\n\s*location /).slice(1);
    const proxied = blocks.filter((b) => b.includes("X-Forwarded-For"));
    assert.ok(proxied.length >= 2, `${name}: /ws and / forward the address`);
    for (const block of proxied) {
      const where = `${name}: location ${block.split("\n")[0]}`;
      assert.match(block, /proxy_set_header Forwarded "";/, where);
      assert.match(
        block,
        /proxy_set_header X-Forwarded-Proto \$scheme;/,
        where,
      );
    }
  }
  const caddy = await Deno.readTextFile(deployFile("Caddyfile"));
  assert.match(caddy, /TRUST_PROXY=x-forwarded-for/);
  assert.match(caddy, /^\s*header_up -Forwarded$/m);
});

Deno.test({
  name: "deploy/nginx.conf passes nginx -t and proxies a chat over /ws",
  ignore: missing("nginx", NGINX),
  async fn(t) {
    const site = await Deno.readTextFile(deployFile("nginx.conf"));
    await withTempDir(async (dir) => {
      const paths = (conf: string) => [
        "-p",
        dir,
        "-c",
        conf,
        "-e",
        `${dir}/error.log`,
      ];
      await t.step("nginx -t accepts it as shipped", async () => {
        const conf = await nginxHarness(dir, site);
        const result = await run(NGINX!, ["-t", ...paths(conf)]);
        assert.equal(result.code, 0, result.output);
        assert.match(result.output, /test is successful/);
      });

      await t.step("a chat and the health check pass through it", async () => {
        await chatThroughProxy(async (port, upstream) => {
          let local = replaceExactly(
            site,
            "listen 80;",
            `listen 127.0.0.1:${port};`,
          );
          local = replaceExactly(local, "listen [::]:80;", "");
          local = replaceExactly(
            local,
            "server 127.0.0.1:8000;",
            `server 127.0.0.1:${upstream};`,
          );
          const conf = await nginxHarness(dir, local);
          return spawnQuiet(NGINX!, [...paths(conf), "-g", "daemon off;"]);
        }, async (port) => {
          const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, {
            headers: { Authorization: `Bearer ${TOKEN}` },
          });
          assert.equal(metrics.status, 200);
          await metrics.body?.cancel();
        });
      });
    });
  },
});

Deno.test({
  name: "deploy/Caddyfile passes caddy validate and proxies a chat over /ws",
  ignore: missing("caddy", CADDY),
  async fn(t) {
    const site = await Deno.readTextFile(deployFile("Caddyfile"));
    await withTempDir(async (dir) => {
      // Caddy keeps certificates and state under HOME / XDG dirs.
      const env = {
        HOME: dir,
        XDG_DATA_HOME: `${dir}/data`,
        XDG_CONFIG_HOME: `${dir}/config`,
      };
      await t.step("caddy validate accepts it as shipped", async () => {
        const result = await run(CADDY!, [
          "validate",
          "--adapter",
          "caddyfile",
          "--config",
          deployFile("Caddyfile"),
        ], env);
        assert.equal(result.code, 0, result.output);
        assert.match(result.output, /Valid configuration/);
      });

      await t.step("a chat and the health check pass through it", async () => {
        await chatThroughProxy(async (port, upstream) => {
          let local = replaceExactly(
            site,
            "chat.example.com {",
            `{\n\tadmin off\n\tauto_https off\n}\n\nhttp://127.0.0.1:${port} {`,
          );
          local = replaceExactly(
            local,
            "reverse_proxy 127.0.0.1:8000 {",
            `reverse_proxy 127.0.0.1:${upstream} {`,
          );
          await Deno.writeTextFile(`${dir}/Caddyfile`, local);
          return spawnQuiet(CADDY!, [
            "run",
            "--adapter",
            "caddyfile",
            "--config",
            `${dir}/Caddyfile`,
          ], env);
        });
      });
    });
  },
});

Deno.test("deploy/Dockerfile pins Deno, copies what exists, runs deno task start as deno", async () => {
  const text = await Deno.readTextFile(deployFile("Dockerfile"));
  const pkg = JSON.parse(
    await Deno.readTextFile(new URL("package.json", root)),
  );
  const from = /^FROM denoland\/deno:(\S+)$/m.exec(text);
  assert.ok(from, "FROM denoland/deno:<version>");
  assert.equal(
    from[1],
    pkg.optionalDependencies.deno,
    "same Deno as package.json",
  );
  assert.equal(from[1], Deno.version.deno.replace(/\+.*/, ""));
  for (const [, sources] of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const source of sources.split(/\s+/)) {
      await Deno.stat(new URL(source, root));
    }
  }
  assert.match(text, /^RUN deno task build\b/m);
  const user = text.search(/^USER deno$/m);
  const cmd = text.search(/^CMD \["deno", "task", "--quiet", "start"\]$/m);
  assert.ok(user !== -1 && cmd > user, "CMD runs deno task start as deno");
  const ignore = await Deno.readTextFile(deployFile("Dockerfile.dockerignore"));
  assert.ok(ignore.split("\n").includes("static/_islands*"));
});

const dockerEngine = DOCKER !== undefined &&
  (await run(DOCKER, ["info"]).catch(() => ({ code: 1 }))).code === 0;
if (!dockerEngine) {
  console.warn("deploy_test: no Docker engine, skipping the image build");
}

Deno.test({
  name: "deploy/Dockerfile builds an image whose start task runs",
  ignore: !dockerEngine,
  async fn() {
    const tag = `strangers-test:${Date.now()}`;
    const build = await run(DOCKER!, [
      "build",
      "-f",
      deployFile("Dockerfile"),
      "-t",
      tag,
      root.pathname,
    ]);
    assert.equal(build.code, 0, build.output);
    try {
      const result = await run(DOCKER!, [
        "run",
        "--rm",
        "--entrypoint",
        "deno",
        tag,
        "task",
        "--quiet",
        "start",
        "--version",
      ]);
      assert.match(result.output, /^strangers \d+\.\d+\.\d+/m);
    } finally {
      await run(DOCKER!, ["rmi", tag]);
    }
  },
});
