/**
 * `/theme.css`: the site's accent colour (`ACCENT_COLOR`) as a stylesheet,
 * so that the page needs no inline style and its CSP no 'unsafe-inline'.
 *
 * @module
 */

import type { AppContext } from "../lib/app_state.ts";
import { themeCss } from "../lib/site.ts";

export const handler = {
  GET(ctx: AppContext): Response {
    return new Response(themeCss(ctx.state.config.accentColor), {
      headers: {
        "Content-Type": "text/css; charset=utf-8",
        "Cache-Control": "no-cache",
      },
    });
  },
};
