/**
 * `GET /admin/api/audit?limit=100`: the audit log, newest first.
 *
 * @module
 */

import { listAudit } from "../lib/admin/api.ts";
import { adminApi } from "../lib/admin/route.ts";

export const handler = adminApi({ GET: listAudit });
