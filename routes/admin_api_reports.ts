/**
 * `GET /admin/api/reports?status=open&limit=100`: reports, newest first.
 *
 * @module
 */

import { listReports } from "../lib/admin/api.ts";
import { adminApi } from "../lib/admin/route.ts";

export const handler = adminApi({ GET: listReports });
