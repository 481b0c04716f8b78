/**
 * `/admin`: the moderation console, absent (the 404 page) unless
 * `ADMIN_TOKEN` is set. Without a session it sends the browser to the
 * sign-in form; with one it renders the console island with the data of
 * the moment and the session's CSRF token.
 *
 * @module
 */

import { AdminLayout } from "../components/admin/AdminLayout.tsx";
import Admin, { type AdminProps } from "../islands/Admin.tsx";
import { sessionOf } from "../lib/admin/access.ts";
import { currentStats } from "../lib/admin/api.ts";
import { adminPage } from "../lib/admin/route.ts";
import type { PageProps } from "../lib/web/router.ts";

/** Audit entries the page opens with. */
const AUDIT_SHOWN = 50;

export const handler = adminPage<AdminProps>({
  async GET(ctx, runtime) {
    const { req, state } = ctx;
    const session = sessionOf(req);
    if (session === null || !runtime.keys.sessionValid(session, Date.now())) {
      return new Response(null, {
        status: 303,
        headers: { Location: "/admin/login", "Cache-Control": "no-store" },
      });
    }
    const { store } = state.moderation;
    const [reports, bans, audit] = await Promise.all([
      store.reports("open"),
      store.bans(Date.now()),
      store.audit(AUDIT_SHOWN),
    ]);
    return ctx.render({
      csrf: runtime.keys.csrfFor(session),
      reports: reports.slice(0, 100),
      bans,
      audit,
      stats: currentStats(state),
    });
  },
});

/** The console page. */
export default function AdminPage({ data }: PageProps<AdminProps>) {
  return (
    <AdminLayout title="Moderation · Strangers" csrf={data.csrf}>
      <Admin {...data} />
    </AdminLayout>
  );
}
