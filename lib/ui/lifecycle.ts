/**
 * The chat island's life in the page, browser code: starts the store, the
 * title notifier and the attention helper; Esc (cancel waiting, twice ends
 * a chat); asks before leaving while in a chat (`beforeunload`); the
 * language switch in place; and whether the device is a phone (Enter makes
 * a new line there).
 *
 * @module
 */

import { effect } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { type Attention, startAttention } from "./attention.ts";
import type { ChatStore } from "./chat_store.ts";
import { type Lang, langCookie } from "./i18n.ts";
import { startTitleNotifier, type TitleNotifier } from "./title_notifier.ts";

/** Phones and narrow windows: a coarse pointer or a small screen. */
export const COMPACT_QUERY = "(pointer: coarse), (max-width: 600px)";

/** What the island holds while mounted. */
export interface ChatPage {
  notifier: TitleNotifier | null;
  attention: Attention | null;
}

function askBeforeLeaving(e: BeforeUnloadEvent): void {
  e.preventDefault();
  // Older browsers ask only when returnValue is set.
  e.returnValue = "";
}

/**
 * Switches the language in place: the store's dictionary, the `lang`
 * cookie the server reads, `<html lang>`, the title, and a `?lang=` in the
 * address, which would win over the cookie on reload.
 */
export function switchLanguage(
  store: ChatStore,
  page: ChatPage,
  lang: Lang,
): void {
  store.setLang(lang);
  const dict = store.dict.peek();
  document.cookie = langCookie(lang);
  document.documentElement.lang = lang;
  document.title = `${dict.appName} · ${dict.tagline}`;
  page.notifier?.retitle(dict.notifier);
  const url = new URL(location.href);
  if (url.searchParams.has("lang")) {
    url.searchParams.delete("lang");
    history.replaceState(history.state, "", url);
  }
}

/** Runs the browser side while the island is mounted; marks it ready. */
export function useChatLifecycle(store: ChatStore, page: ChatPage): void {
  useEffect(() => {
    const stop = store.start();
    page.notifier = startTitleNotifier(store.dict.peek().notifier);
    page.attention = startAttention();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) store.onEscape();
    };
    document.addEventListener("keydown", onKey);
    const stopLeaving = effect(() => {
      const phase = store.phase.value;
      if (phase !== "chat" && phase !== "resuming") return;
      addEventListener("beforeunload", askBeforeLeaving);
      return () => removeEventListener("beforeunload", askBeforeLeaving);
    });
    store.ready.value = true;
    return () => {
      stopLeaving();
      document.removeEventListener("keydown", onKey);
      page.notifier?.stop();
      page.attention?.stop();
      page.notifier = page.attention = null;
      stop();
    };
  }, []);
}

/** Whether the page is on a phone or a narrow window; false on the server. */
export function useCompact(): boolean {
  const [compact, setCompact] = useState(false);
  useEffect(() => {
    const query = matchMedia(COMPACT_QUERY);
    const update = () => setCompact(query.matches);
    update();
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
  }, []);
  return compact;
}
