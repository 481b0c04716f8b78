import type { ComponentChildren } from "preact";

/** Props of {@linkcode Layout}. */
export interface LayoutProps {
  lang: string;
  title: string;
  description?: string;
  children: ComponentChildren;
}

/** The HTML document around every page: head, stylesheet, body. */
export function Layout({ lang, title, description, children }: LayoutProps) {
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        {description && <meta name="description" content={description} />}
        <title>{title}</title>
        <link rel="stylesheet" href="/static/styles.css" />
        <link rel="stylesheet" href="/static/chat.css" />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      </head>
      <body>{children}</body>
    </html>
  );
}
