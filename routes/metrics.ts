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

/**
 * Whether `authorization` is `Bearer <token>`. Both sides are hashed first so
 * that the comparison takes the same time whatever the length or the first
 * differing byte.
 */
async function bearerMatches(
  authorization: string | null,
  token: string,
): Promise<boolean> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  const [given, wanted] = await Promise.all(
    [match?.[1] ?? "", token].map(async (text) =>
      new Uint8Array(
        await crypto.subtle.digest(
          "SHA-256",
          new TextEncoder().encode(text),
        ),
      )
    ),
  );
  let diff = match ? 0 : 1;
  for (let i = 0; i < wanted.length; i++) diff |= given[i] ^ wanted[i];
  return diff === 0;
}
