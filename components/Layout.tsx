/**
 * The HTML document around every page: head, stylesheets (ours, the site's
 * accent colour and extra stylesheet when configured), body.
 *
 * @module
 */

import type { ComponentChildren } from "preact";
import { type SiteLook, THEME_PATH } from "../lib/site.ts";

/** Props of {@linkcode Layout}. */
export interface LayoutProps {
  lang: string;
  title: string;
  description?: string;
  /** The site owner's look; none: the built-in one. */
  site?: SiteLook;
  children: ComponentChildren;
}

/** The HTML document around every page: head, stylesheet, body. */
export function Layout(
  { lang, title, description, site, children }: LayoutProps,
) {
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        {/* The keyboard shrinks the layout (and 100dvh), never covers it. */}
        <meta
          name="viewport"
          content="width=device-width, initial-scale=1, interactive-widget=resizes-content"
        />
        <meta name="color-scheme" content="light dark" />
        {description && <meta name="description" content={description} />}
        <title>{title}</title>
        <link rel="stylesheet" href="/static/styles.css" />
        <link rel="stylesheet" href="/static/chat.css" />
        <link rel="stylesheet" href="/static/screens.css" />
        <link rel="stylesheet" href="/static/safety.css" />
        {site?.themed && <link rel="stylesheet" href={THEME_PATH} />}
        {site?.extraStylesheet && (
          <link rel="stylesheet" href={site.extraStylesheet} />
        )}
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      </head>
      <body>{children}</body>
    </html>
  );
}
