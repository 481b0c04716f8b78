/**
 * Entry point: reads the configuration, starts the server, and stops it
 * gracefully on SIGINT or SIGTERM (every socket gets 1001, exit 0).
 *
 * @module
 */

import { ConfigError, helpText, loadConfig } from "./lib/ops/config.ts";
import { startServer } from "./lib/server.ts";
import { VERSION } from "./lib/ops/version.ts";

if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
  console.log(helpText());
  Deno.exit(0);
}
if (Deno.args.includes("--version")) {
  console.log(`strangers ${VERSION}`);
  Deno.exit(0);
}

let config;
try {
  config = loadConfig(Deno.args, (name) => Deno.env.get(name));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`strangers: ${error.message}\n\n${helpText()}`);
  Deno.exit(2);
}

let server;
try {
  server = await startServer(config);
} catch (error) {
  // Say why in one line: the port is taken, the backend is unreachable…
  const why = error instanceof Error ? error.message : String(error);
  console.error(`strangers: cannot start: ${why}`);
  Deno.exit(1);
}
server.state.log.announce("listening", `Strangers listening on ${server.url}`, {
  url: server.url,
});

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
