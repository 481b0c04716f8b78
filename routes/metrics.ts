/**
 * `/metrics`: counters and gauges in the Prometheus text format. With
 * `METRICS_TOKEN` set, only a request bearing that token is answered.
 *
 * @module
 */

import {
  PROMETHEUS_CONTENT_TYPE,
  renderMetrics,
} from "../lib/ops/prometheus.ts";
import type { AppContext } from "../lib/app_state.ts";
import { bearerMatches } from "../lib/ops/access.ts";

export const handler = {
  async GET({ req, state }: AppContext): Promise<Response> {
    const token = state.config.metricsToken;
    if (
      token && !await bearerMatches(req.headers.get("authorization"), token)
    ) {
      return new Response("Unauthorized\n", {
        status: 401,
        headers: {
          "WWW-Authenticate": 'Bearer realm="metrics"',
          "Cache-Control": "no-store",
        },
      });
    }
    return new Response(renderMetrics(state), {
      headers: {
        "Content-Type": PROMETHEUS_CONTENT_TYPE,
        "Cache-Control": "no-store",
      },
    });
  },
};
