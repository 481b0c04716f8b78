/**
 * `deno task dev`: builds the client, starts the server with `--watch`, and
 * rebuilds the island bundles whenever islands/, components/ or lib/ change.
 * The server restarts on its own source changes and on every new bundle.
 *
 * @module
 */

import { build } from "./build.ts";
import { SERVER_PERMISSIONS } from "./lib/ops/permissions.ts";

const root = new URL("./", import.meta.url);
await build();

const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    ...SERVER_PERMISSIONS,
    "--watch=static/_islands/manifest.json,static/styles.css",
    "main.ts",
    ...Deno.args,
  ],
  cwd: root.pathname,
  env: { LOG_FORMAT: "text" },
}).spawn();

let pending: ReturnType<typeof setTimeout> | undefined;
const watcher = Deno.watchFs(
  ["islands", "components", "lib"].map((dir) => new URL(dir, root).pathname),
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    // A server under --watch outlives its own exit (it waits for a change),
    // so a development server is stopped outright.
    server.kill("SIGKILL");
    Deno.exit(0);
  });
}
for await (const _event of watcher) {
  clearTimeout(pending);
  pending = setTimeout(() => {
    build().then(
      () => console.log("dev: rebuilt the island bundles"),
      (error) => console.error(`dev: build failed\n${error.message}`),
    );
  }, 150);
}
Deno.exit((await server.status).code);
