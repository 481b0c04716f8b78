/**
 * `/metrics`: counters and gauges in the Prometheus text format. With
 * `METRICS_TOKEN` set, only a request bearing that token is answered (401
 * otherwise). Without it, only the local network is (the same test as
 * `/healthz`'s counts: a direct peer on loopback or a private range, not a
 * request a proxy forwarded), and anyone else gets 403, unless
 * `METRICS_PUBLIC` opens it to all: a plain `deno task start` listens on
 * every interface, and the figures tell when someone waits alone.
 *
 * @module
 */

import {
  PROMETHEUS_CONTENT_TYPE,
  renderMetrics,
} from "../lib/ops/prometheus.ts";
import type { AppContext } from "../lib/app_state.ts";
import { bearerMatches, mayReadFigures } from "../lib/ops/access.ts";

const NO_STORE = { "Cache-Control": "no-store" };

export const handler = {
  async GET({ req, info, state }: AppContext): Promise<Response> {
    const { metricsToken: token, metricsPublic } = state.config;
    if (token) {
      if (!await bearerMatches(req.headers.get("authorization"), token)) {
        return new Response("Unauthorized\n", {
          status: 401,
          headers: {
            ...NO_STORE,
            "WWW-Authenticate": 'Bearer realm="metrics"',
          },
        });
      }
    } else if (
      !metricsPublic &&
      !await mayReadFigures(req, { peer: info.remoteAddr.hostname, token: "" })
    ) {
      // 403 rather than 404: the route is documented, and the body tells
      // the site owner which option opens it.
      return new Response(
        "Forbidden: /metrics answers only the local network; set METRICS_TOKEN (or METRICS_PUBLIC=true)\n",
        { status: 403, headers: NO_STORE },
      );
    }
    return new Response(renderMetrics(state), {
      headers: { ...NO_STORE, "Content-Type": PROMETHEUS_CONTENT_TYPE },
    });
  },
};
