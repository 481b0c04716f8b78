/**
 * Network and timing helpers for the processes that tests and the benchmark
 * start: a free loopback port, and a deadline on a promise.
 *
 * @module
 */

/**
 * Settles like a promise, or rejects with `<label> timed out` after `ms`:
 * the server's own helper, so that tests, benchmark and server time out
 * alike.
 */
export { withTimeout } from "../../lib/backends/cluster.ts";

/**
 * A TCP port free on 127.0.0.1 right now, for a server that cannot be told
 * `--port 0` (redis-server). Another process could still take it before the
 * caller binds it.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}
