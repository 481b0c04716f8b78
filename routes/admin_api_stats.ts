/**
 * `GET /admin/api/stats`: online, chatting, open reports, active bans.
 *
 * @module
 */

import { stats } from "../lib/admin/api.ts";
import { adminApi } from "../lib/admin/route.ts";

export const handler = adminApi({ GET: stats });
