/**
 * `/admin/api/bans`: `GET` the bans in force; `POST`
 * `{address | token, seconds, visible?, reason?}` bans one.
 *
 * @module
 */

import { addBan, listBans } from "../lib/admin/api.ts";
import { adminApi } from "../lib/admin/route.ts";

export const handler = adminApi({ GET: listBans, POST: addBan });
