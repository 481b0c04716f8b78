/**
 * `POST /admin/api/reports/:id/dismiss`: closes a report without a ban.
 *
 * @module
 */

import { dismissReport } from "../lib/admin/api.ts";
import { adminApi } from "../lib/admin/route.ts";

export const handler = adminApi({ POST: dismissReport });
