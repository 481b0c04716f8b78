/**
 * `POST /admin/api/reports/:id/ban` `{seconds, visible}`: bans the
 * reported visitor's subjects (address, and browser token if known).
 *
 * @module
 */

import { banReport } from "../lib/admin/api.ts";
import { adminApi } from "../lib/admin/route.ts";

export const handler = adminApi({ POST: banReport });
