/**
 * `/healthz`: this instance's health as JSON for load balancers and
 * orchestrators: 200 while it serves, 503 while it shuts down or cannot
 * reach its pairing backend. The counts (who is online, who waits) only to
 * a request bearing `METRICS_TOKEN` or straight from the local network:
 * to anyone else they would tell when someone waits alone.
 *
 * @module
 */

import { mayReadFigures } from "../lib/ops/access.ts";
import { healthReport } from "../lib/ops/health.ts";
import type { AppContext } from "../lib/app_state.ts";

export const handler = {
  async GET({ req, info, state }: AppContext): Promise<Response> {
    const counts = await mayReadFigures(req, {
      peer: info.remoteAddr.hostname,
      token: state.config.metricsToken,
    });
    const { status, report } = healthReport(state, { counts });
    return Response.json(report, {
      status,
      headers: { "Cache-Control": "no-store", "Vary": "Authorization" },
    });
  },
};
