/**
 * Entry point: wires the manifest, the configuration, the app and the
 * listener. Run as a program it reads the configuration from flags and the
 * environment, serves, and stops gracefully on SIGINT or SIGTERM (every
 * socket gets 1001, exit 0); or, named first, runs a moderation command
 * (`ban`, `bans`, `unban`, `reports`: `lib/admin/cli.ts`) and exits. Tests
 * import {@linkcode startServer}.
 *
 * @module
 */

import { islands, notFound, routes } from "./manifest.ts";
import { isCliCommand, runCli } from "./lib/admin/cli.ts";
import type { AppState } from "./lib/app_state.ts";
import { type Config, ConfigError, loadConfig } from "./lib/ops/config.ts";
import { helpText } from "./lib/ops/config_help.ts";
import { errorName } from "./lib/ops/log.ts";
import { cspSources } from "./lib/site.ts";
import { VERSION } from "./lib/ops/version.ts";
import {
  createState,
  drain,
  release,
  type StateOptions,
  watchUncaught,
} from "./lib/server.ts";
import { type App, createApp } from "./lib/web/app.ts";
import { loadBundleManifest } from "./lib/web/bundle.ts";
import { addressGroup } from "./lib/web/address.ts";
import { listen } from "./lib/web/listen.ts";
import { listenNode } from "./lib/web/listen_node.ts";
import { createNodeEdge } from "./lib/ws/node_edge.ts";

/** The folder served under `/static/` (embedded by `deno compile --include`). */
const STATIC_DIR = new URL("./static/", import.meta.url);

/** A running server. */
export interface ServerHandle extends ChatApp {
  /** `http://localhost:PORT` (or the bound address). */
  url: string;
  port: number;
  /** Closes every socket with 1001, stops listening, releases the backend. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/** The chat as a request handler over its state, with no listener. */
export interface ChatApp {
  state: AppState;
  handler: (req: Request) => Promise<Response>;
}

/** Builds the server's state and the app over it (in-process tests use it). */
export async function createChatApp(
  config: Config,
  options: StateOptions = {},
): Promise<ChatApp & { app: App }> {
  const state = await createState(config, options);
  const { log, metrics } = state;
  const app = createApp({
    routes,
    islands,
    notFound,
    state,
    staticDir: STATIC_DIR,
    bundles: await loadBundleManifest(STATIC_DIR),
    frameAncestors: config.frameAncestors,
    cspSources: cspSources(config),
    onError(error) {
      metrics.uncaught++;
      log.error("request_failed", { error: errorName(error) });
    },
  });
  return { state, app, handler: (req) => app.handler(req) };
}

/** Starts the chat with `config`; resolves once the port is bound. */
export async function startServer(
  config: Config,
  options: StateOptions = {},
): Promise<ServerHandle> {
  const { state, app, handler } = await createChatApp(config, options);
  const { log, metrics } = state;
  const unwatch = watchUncaught(state);
  const serve = {
    port: config.port,
    hostname: config.hostname,
    onError(event: string, error: unknown) {
      metrics.uncaught++;
      // An accept() error is the operating system's, never a client's words.
      const reason = error instanceof Error ? error.message : String(error);
      log.error(event, { error: errorName(error), reason });
    },
    drain: () => drain(state),
  };
  // node:http is absent where the platform serves (Deno Deploy): WS_EDGE=deno.
  const edge = config.wsEdge === "node" ? createNodeEdge(state) : undefined;
  const listener = edge
    ? await listenNode(app.handler, {
      ...serve,
      upgrade: edge.upgrade,
      // Behind a trusted proxy every connection comes from the proxy.
      maxConnectionsPerGroup: config.trustProxy
        ? 0
        : config.maxHttpConnectionsPerIp,
      groupOf: (address) =>
        addressGroup(address, { ipv4Prefix: config.ipv4Prefix }),
      onDropped: (reason) => metrics.reject(`tcp_${reason}`),
    }).catch((error) => {
      edge.close();
      throw error;
    })
    : await listen(app.handler, serve);
  let stopped: Promise<void> | undefined;
  return {
    url: listener.url,
    port: listener.port,
    state,
    handler,
    finished: listener.finished,
    shutdown: () =>
      stopped ??= (async () => {
        await listener.shutdown();
        edge?.close();
        await release(state);
        unwatch();
      })(),
  };
}

/**
 * Why the server could not start, in one line for the site owner: the port
 * is taken (either listener: node's `EADDRINUSE`, Deno's `AddrInUse`), the
 * backend is unreachable…
 */
function startFailure(error: unknown, port: number): string {
  if (
    error instanceof Deno.errors.AddrInUse ||
    (error as { code?: unknown } | null)?.code === "EADDRINUSE"
  ) {
    return `strangers: port ${port} is already in use (set PORT or --port)`;
  }
  const why = error instanceof Error ? error.message : String(error);
  return `strangers: cannot start: ${why}`;
}

/** Runs the command line: a moderation command, `--help`, `--version`, or the server. */
async function main(args: string[]): Promise<void> {
  // `deno task start -- ban …` passes the separator on.
  const command = args[0] === "--" ? args.slice(1) : args;
  if (isCliCommand(command[0])) {
    Deno.exit(
      await runCli(command, {
        env: (name) => Deno.env.get(name),
        out: (line) => console.log(line),
        err: (line) => console.error(line),
      }),
    );
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log(helpText());
    Deno.exit(0);
  }
  if (args.includes("--version")) {
    console.log(`strangers ${VERSION}`);
    Deno.exit(0);
  }
  let config;
  try {
    config = loadConfig(args, (name) => Deno.env.get(name));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`strangers: ${error.message}\n\n${helpText()}`);
    Deno.exit(2);
  }
  let server;
  try {
    server = await startServer(config);
  } catch (error) {
    console.error(startFailure(error, config.port));
    Deno.exit(1);
  }
  server.state.log.announce(
    "listening",
    `Strangers listening on ${server.url}`,
    { url: server.url },
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, async () => {
        await server.shutdown();
        Deno.exit(0);
      });
    } catch {
      // No signals where the platform manages the process (Deno Deploy).
    }
  }
}

if (import.meta.main) await main(Deno.args);
