/**
 * `/healthz`: this instance's health as JSON for load balancers and
 * orchestrators: 200 while it serves, 503 while it shuts down or cannot
 * reach its pairing backend.
 *
 * @module
 */

import { healthReport } from "../lib/ops/health.ts";
import type { AppContext } from "../lib/app_state.ts";

export const handler = {
  GET({ state }: AppContext): Response {
    const { status, report } = healthReport(state);
    return Response.json(report, {
      status,
      headers: { "Cache-Control": "no-store" },
    });
  },
};
