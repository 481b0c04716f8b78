/**
 * The chat's top bar: the brand, the online count (outside a conversation)
 * and the language switch.
 *
 * @module
 */

import type { ReadonlySignal } from "@preact/signals";
import { DICTIONARIES, type Dictionary, LANGS } from "../../lib/ui/i18n.ts";

/** Props of {@linkcode ChatHeader}. */
export interface ChatHeaderProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** "N online", or `null` to hide the count. */
  onlineText: ReadonlySignal<string> | null;
}

/** The top bar above every screen. */
export function ChatHeader({ dict, onlineText }: ChatHeaderProps) {
  return (
    <header class="bar">
      <span class="brand">
        <span class="logo" aria-hidden="true" />
        {dict.appName}
      </span>
      {onlineText && (
        <span class="online">
          <span class="dot" aria-hidden="true" />
          {onlineText}
        </span>
      )}
      <nav class="langs" aria-label={dict.switchLanguage}>
        {LANGS.map((lang) => (
          <a
            key={lang}
            href={`?lang=${lang}`}
            hrefLang={lang}
            lang={lang}
            title={DICTIONARIES[lang].name}
            aria-current={lang === dict.lang ? "true" : undefined}
          >
            {lang.toUpperCase()}
          </a>
        ))}
      </nav>
    </header>
  );
}
