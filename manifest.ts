/**
 * The app's routes and islands, listed by hand and imported statically, as
 * Fresh's generated manifest would: the compiled binary has no source tree
 * to scan. An island's key is its file name in `islands/`; a path segment
 * `:name` is a parameter (`ctx.params.name`).
 *
 * @module
 */

import Admin from "./islands/Admin.tsx";
import Chat from "./islands/Chat.tsx";
import * as admin from "./routes/admin.tsx";
import * as adminApiAudit from "./routes/admin_api_audit.ts";
import * as adminApiBan from "./routes/admin_api_ban.ts";
import * as adminApiBans from "./routes/admin_api_bans.ts";
import * as adminApiReportBan from "./routes/admin_api_report_ban.ts";
import * as adminApiReportDismiss from "./routes/admin_api_report_dismiss.ts";
import * as adminApiReports from "./routes/admin_api_reports.ts";
import * as adminApiStats from "./routes/admin_api_stats.ts";
import * as adminLogin from "./routes/admin_login.tsx";
import * as adminLogout from "./routes/admin_logout.ts";
import * as healthz from "./routes/healthz.ts";
import * as index from "./routes/index.tsx";
import * as metrics from "./routes/metrics.ts";
import * as themeCss from "./routes/theme_css.ts";
import * as ws from "./routes/ws.ts";
import * as wsAdmission from "./routes/ws_admission.ts";
import * as notFoundPage from "./routes/_404.tsx";
import type { AppState } from "./lib/app_state.ts";
import type { RouteModule } from "./lib/web/router.ts";

/** Path → route module. */
export const routes: Record<string, RouteModule<AppState>> = {
  "/": index,
  "/ws": ws,
  "/ws/admission": wsAdmission,
  "/healthz": healthz,
  "/metrics": metrics,
  "/theme.css": themeCss,
  "/admin": admin,
  "/admin/login": adminLogin,
  "/admin/logout": adminLogout,
  "/admin/api/reports": adminApiReports,
  "/admin/api/reports/:id/dismiss": adminApiReportDismiss,
  "/admin/api/reports/:id/ban": adminApiReportBan,
  "/admin/api/bans": adminApiBans,
  "/admin/api/bans/:id": adminApiBan,
  "/admin/api/audit": adminApiAudit,
  "/admin/api/stats": adminApiStats,
};

/** The page for unknown paths. */
export const notFound: RouteModule<AppState> = notFoundPage;

/** Island name (its file name) → component. */
export const islands = { Admin, Chat };
