/**
 * The page for any path we do not serve, in the visitor's language (the
 * `lang` cookie, else `Accept-Language`) and the site's look. It ships no
 * JavaScript.
 *
 * @module
 */

import { Layout } from "../components/Layout.tsx";
import type { AppContext } from "../lib/app_state.ts";
import { type SiteLook, siteLook } from "../lib/site.ts";
import { DICTIONARIES, type Lang, pickLanguage } from "../lib/ui/i18n.ts";
import type { PageProps } from "../lib/web/router.ts";

interface Data {
  lang: Lang;
  site: SiteLook;
}

export const handler = {
  GET(ctx: AppContext<Data>): Response {
    const { req, state } = ctx;
    const lang = pickLanguage(
      req.headers.get("accept-language"),
      req.headers.get("cookie"),
    );
    const res = ctx.render({ lang, site: siteLook(state.config) });
    res.headers.set("Vary", "Accept-Language, Cookie");
    return res;
  },
};

/** Not found, with the way back to the chat. */
export default function NotFound({ data }: PageProps<Data>) {
  const dict = DICTIONARIES[data.lang];
  const { site } = data;
  const name = site.name || dict.appName;
  return (
    <Layout
      lang={data.lang}
      title={`${dict.notFoundTitle} · ${name}`}
      site={site}
    >
      <div class="chat not-found">
        <header class="bar">
          <a class="brand" href="/">
            {site.logoUrl
              ? <img class="logo" src={site.logoUrl} alt="" />
              : <span class="logo" aria-hidden="true" />}
            {name}
          </a>
        </header>
        <main class="screen">
          <p class="code" aria-hidden="true">404</p>
          <h1>{dict.notFoundTitle}</h1>
          <p>{dict.notFoundText}</p>
          <a class="button primary large" href="/">{dict.notFoundLink}</a>
        </main>
      </div>
    </Layout>
  );
}
