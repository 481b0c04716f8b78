/**
 * `/admin/login`: the console's sign-in form (absent without
 * `ADMIN_TOKEN`). A right token sets the session cookie and goes to the
 * console; a wrong one says so (401), and past five from one address in
 * 15 minutes the form answers 429 with `Retry-After`.
 *
 * @module
 */

import { AdminLayout } from "../components/admin/AdminLayout.tsx";
import { sessionOf } from "../lib/admin/access.ts";
import { adminPage } from "../lib/admin/route.ts";
import { signIn } from "../lib/admin/signin.ts";
import type { PageProps } from "../lib/web/router.ts";

interface Data {
  error?: string;
}

function seeOther(location: string, cookie?: string): Response {
  const headers = new Headers({
    Location: location,
    "Cache-Control": "no-store",
  });
  if (cookie) headers.set("Set-Cookie", cookie);
  return new Response(null, { status: 303, headers });
}

export const handler = adminPage<Data>({
  GET(ctx, runtime) {
    const session = sessionOf(ctx.req);
    if (session !== null && runtime.keys.sessionValid(session, Date.now())) {
      return seeOther("/admin");
    }
    return ctx.render({});
  },
  async POST(ctx, runtime) {
    const result = await signIn(ctx, runtime);
    if (result.ok) return seeOther("/admin", result.cookie);
    const res = ctx.render({ error: result.error }, { status: result.status });
    if (result.retryAfter !== undefined) {
      res.headers.set("Retry-After", String(result.retryAfter));
    }
    return res;
  },
});

/** The sign-in form. */
export default function AdminLogin({ data }: PageProps<Data>) {
  return (
    <AdminLayout title="Sign in · Moderation · Strangers">
      <form class="card sign-in" method="post" action="/admin/login">
        <h1>Sign in to moderation</h1>
        {data.error && <p class="notice error" role="alert">{data.error}</p>}
        <label class="field" for="admin-token">
          <span>Admin token</span>
          <input
            id="admin-token"
            name="token"
            type="password"
            required
            autoComplete="current-password"
            maxLength={512}
          />
        </label>
        <button class="button primary" type="submit">Sign in</button>
      </form>
    </AdminLayout>
  );
}
