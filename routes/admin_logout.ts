/**
 * `/admin/logout` (POST, from the console's sign-out form with its CSRF
 * token): ends the browser's session and goes back to the sign-in form.
 * Sessions are stateless; changing `ADMIN_TOKEN` ends every one of them.
 *
 * @module
 */

import {
  callerOf,
  changeRefusal,
  isHttps,
  sessionCookie,
} from "../lib/admin/access.ts";
import { readForm } from "../lib/admin/body.ts";
import { adminPage } from "../lib/admin/route.ts";

export const handler = adminPage({
  async POST(ctx, runtime) {
    const { req, state } = ctx;
    const caller = callerOf(req, runtime.keys, Date.now());
    if (caller?.actor === "admin") {
      const form = await readForm(req);
      const why = changeRefusal(req, caller, {
        keys: runtime.keys,
        config: state.config,
        csrf: form.ok ? form.value.get("csrf") ?? "" : "",
      });
      if (why) {
        return new Response(`Forbidden: ${why}\n`, {
          status: 403,
          headers: { "Cache-Control": "no-store" },
        });
      }
    }
    const cookie = sessionCookie(null, {
      secure: isHttps(req, state.config),
      maxAge: 0,
    });
    return new Response(null, {
      status: 303,
      headers: {
        Location: "/admin/login",
        "Set-Cookie": cookie,
        "Cache-Control": "no-store",
      },
    });
  },
});
