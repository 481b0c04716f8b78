/**
 * The HTML document around the console's pages: our base stylesheet and
 * the console's own, a header naming the site, and, when signed in, a
 * sign-out form (a plain form: it works before the island hydrates). The
 * pages' referrer policy is `same-origin`, so that their forms' posts carry
 * the page's Origin.
 *
 * @module
 */

import type { ComponentChildren } from "preact";

/** Props of {@linkcode AdminLayout}. */
export interface AdminLayoutProps {
  title: string;
  /** The session's CSRF token: shows the sign-out form. */
  csrf?: string;
  children: ComponentChildren;
}

/** The console's document: head, header, main. */
export function AdminLayout({ title, csrf, children }: AdminLayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="robots" content="noindex" />
        {
          /* Forms posted from here then name our Origin (no-referrer would
            send "null"), which sign-in and sign-out check. */
        }
        <meta name="referrer" content="same-origin" />
        <title>{title}</title>
        <link rel="stylesheet" href="/static/styles.css" />
        <link rel="stylesheet" href="/static/admin.css" />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      </head>
      <body class="admin">
        <header class="admin-bar">
          <p class="admin-brand">Strangers · moderation</p>
          {csrf && (
            <form method="post" action="/admin/logout">
              <input type="hidden" name="csrf" value={csrf} />
              <button class="button" type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main class="admin-main">{children}</main>
      </body>
    </html>
  );
}
