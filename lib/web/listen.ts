/**
 * Serves a request handler with `Deno.serve`: listens again when Deno's
 * listener dies (as it does when accept() fails for lack of file
 * descriptors), and stops gracefully, letting the app drain its long-lived
 * connections before the listener closes.
 *
 * @module
 */

/** Pause before listening again after the listener failed. */
const LISTEN_RETRY_MS = 250;
/** How long the listener may take to finish open requests at shutdown. */
const CLOSE_GRACE_MS = 1000;

/** What {@linkcode listen} serves. */
export type ServeHandler = (
  req: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
) => Response | Promise<Response>;

/** Options for {@linkcode listen}. */
export interface ListenOptions {
  /** The port; 0 picks a free one. */
  port: number;
  /** The interface. @default {"0.0.0.0"} */
  hostname?: string;
  /**
   * Called when the listener failed (`listener_failed`) or listening again
   * failed (`listen_failed`); listening is retried until shutdown.
   */
  onError?: (
    event: "listener_failed" | "listen_failed",
    error: unknown,
  ) => void;
  /**
   * Runs first at shutdown, while the listener still accepts: the app closes
   * its long-lived connections (WebSockets) and waits for them here.
   */
  drain?: () => Promise<void>;
}

/** A running listener. */
export interface Listener {
  /** `http://localhost:PORT` (or the bound address). */
  url: string;
  port: number;
  /** Drains the app, then stops listening. Safe to call twice. */
  shutdown(): Promise<void>;
  /** Resolves when the listener has stopped for good. */
  finished: Promise<void>;
}

/** Listens with `handler`; resolves once the port is bound. */
export async function listen(
  handler: ServeHandler,
  options: ListenOptions,
): Promise<Listener> {
  let stopping: Promise<void> | undefined;
  const { promise: finished, resolve: finish } = Promise.withResolvers<void>();
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();

  function serve(port: number): Deno.HttpServer<Deno.NetAddr> {
    const server = Deno.serve(
      { port, hostname: options.hostname, onListen: resolve },
      handler,
    );
    server.finished.then(finish, async (error) => {
      if (stopping) return finish();
      options.onError?.("listener_failed", error);
      await relisten();
    });
    return server;
  }
  async function relisten(): Promise<void> {
    while (!stopping) {
      await new Promise((r) => setTimeout(r, LISTEN_RETRY_MS));
      if (stopping) return;
      try {
        server = serve(addr.port);
        return;
      } catch (error) {
        options.onError?.("listen_failed", error);
      }
    }
  }

  let server = serve(options.port);
  const addr = await listening;

  function shutdown(): Promise<void> {
    return stopping ??= (async () => {
      await options.drain?.();
      await Promise.race([
        server.shutdown(),
        new Promise((r) => setTimeout(r, CLOSE_GRACE_MS)),
      ]);
    })();
  }

  return {
    url: listenerUrl(addr.hostname, addr.port),
    port: addr.port,
    shutdown,
    finished,
  };
}

/**
 * `http://localhost:PORT` for a listener on every interface, else the bound
 * address (IPv6 in brackets).
 */
export function listenerUrl(hostname: string, port: number): string {
  const host = hostname === "0.0.0.0" || hostname === "::"
    ? "localhost"
    : hostname.includes(":")
    ? `[${hostname}]`
    : hostname;
  return `http://${host}:${port}`;
}
