/**
 * Entry point: reads the configuration, starts the server, and stops it
 * gracefully on SIGINT or SIGTERM (every socket gets 1001, exit 0).
 *
 * @module
 */

import denoJson from "./deno.json" with { type: "json" };
import { ConfigError, helpText, loadConfig } from "./lib/config.ts";
import { startServer } from "./lib/server.ts";

if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
  console.log(helpText());
  Deno.exit(0);
}
if (Deno.args.includes("--version")) {
  console.log(`strangers ${denoJson.version}`);
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

const server = await startServer(config);
server.state.log.announce("listening", `Strangers listening on ${server.url}`, {
  url: server.url,
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await server.shutdown();
    Deno.exit(0);
  });
}
