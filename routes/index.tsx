/**
 * `/`: the chat page, rendered on the server in the visitor's language
 * (`?lang=` sets it and remembers it in a cookie), with the chat island.
 *
 * @module
 */

import { Layout } from "../components/Layout.tsx";
import Chat from "../islands/Chat.tsx";
import {
  DICTIONARIES,
  isLang,
  type Lang,
  langCookie,
  pickLanguage,
} from "../lib/ui/i18n.ts";
import type { AppContext } from "../lib/app_state.ts";
import { type SiteLook, siteLook } from "../lib/site.ts";
import type { PageProps } from "../lib/web/router.ts";

interface Data {
  lang: Lang;
  online: number;
  /** The server's `MAX_MESSAGE_LENGTH`, for the page's character counter. */
  maxMessageLength: number;
  /** The site owner's look. */
  site: SiteLook;
  /** The server's `MATCH_FALLBACK`, for the wait for a shared interest. */
  matchFallback: number;
  /** The server's `AGE_GATE`: ask for 18+ and the terms before Start. */
  ageGate: boolean;
}

export const handler = {
  GET(ctx: AppContext<Data>): Response {
    const { req, url, state } = ctx;
    const asked = url.searchParams.get("lang");
    const lang = isLang(asked) ? asked : pickLanguage(
      req.headers.get("accept-language"),
      req.headers.get("cookie"),
    );
    const res = ctx.render({
      lang,
      online: state.switchboard.online,
      maxMessageLength: state.config.maxMessageLength,
      site: siteLook(state.config),
      matchFallback: state.config.matchFallback,
      ageGate: state.config.ageGate,
    });
    if (isLang(asked)) res.headers.append("Set-Cookie", langCookie(lang));
    res.headers.set("Vary", "Accept-Language, Cookie");
    return res;
  },
};

/** The chat page. */
export default function Home({ data }: PageProps<Data>) {
  const dict = DICTIONARIES[data.lang];
  const { site } = data;
  return (
    <Layout
      lang={data.lang}
      title={`${site.name || dict.appName} · ${dict.tagline}`}
      description={dict.tagline}
      site={site}
    >
      <Chat
        lang={data.lang}
        online={data.online}
        wsPath="/ws"
        maxMessageLength={data.maxMessageLength}
        matchFallback={data.matchFallback}
        ageGate={data.ageGate}
        site={{
          name: site.name,
          logoUrl: site.logoUrl,
          termsUrl: site.termsUrl,
        }}
      />
    </Layout>
  );
}
