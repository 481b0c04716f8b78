/**
 * Renders a page on the server: the HTML, and, only when the page holds
 * islands, the boot data and the scripts that hydrate them.
 *
 * @module
 */

import { renderToString } from "preact-render-to-string";
import type { BundleManifest } from "./bundle.ts";
import { BOOT_DATA_ID } from "./client/markers.ts";
import { type AnyVNode, collectIslands, serializeBootData } from "./islands.ts";

/** Renders `page` (a whole `<html>` tree) into an HTML response. */
export function renderPage(
  page: AnyVNode,
  bundles: BundleManifest,
  init: ResponseInit = {},
): Response {
  const { result: html, islands } = collectIslands(() => renderToString(page));
  let scripts = "";
  if (islands.used.size > 0) {
    const urls = Object.fromEntries(
      [...islands.used].map((name) => [name, bundles.islands[name]]),
    );
    const data = serializeBootData({ islands: urls, props: islands.props });
    scripts =
      `<script type="application/json" id="${BOOT_DATA_ID}">${data}</script>` +
      Object.values(urls).map((u) => `<link rel="modulepreload" href="${u}">`)
        .join("") +
      `<script type="module" src="${bundles.boot}"></script>`;
  }
  const body = "<!DOCTYPE html>" +
    (scripts
      ? html.replace(/<\/body>(?![\s\S]*<\/body>)/, `${scripts}</body>`)
      : html);
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "text/html; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  return new Response(body, { ...init, headers });
}
