/**
 * The app's routes and islands, listed by hand and imported statically, as
 * Fresh's generated manifest would: the compiled binary has no source tree
 * to scan. An island's key is its file name in `islands/`.
 *
 * @module
 */

import Chat from "./islands/Chat.tsx";
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
};

/** The page for unknown paths. */
export const notFound: RouteModule<AppState> = notFoundPage;

/** Island name (its file name) → component. */
export const islands = { Chat };
