/**
 * `DELETE /admin/api/bans/:id`: lifts a ban.
 *
 * @module
 */

import { removeBan } from "../lib/admin/api.ts";
import { adminApi } from "../lib/admin/route.ts";

export const handler = adminApi({ DELETE: removeBan });
