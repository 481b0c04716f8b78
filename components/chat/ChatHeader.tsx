/**
 * The chat's top bar: the brand, the online count (outside a conversation),
 * Save conversation (in one), Report (during a chat), the
 * sound-and-notifications toggle and the
 * language switch (links that work without JavaScript; with it, the
 * language switches in place and the chat goes on).
 *
 * @module
 */

import type { ReadonlySignal } from "@preact/signals";
import type { Site } from "../../lib/site.ts";
import {
  DICTIONARIES,
  type Dictionary,
  type Lang,
  LANGS,
} from "../../lib/ui/i18n.ts";

/** Props of {@linkcode ChatHeader}. */
export interface ChatHeaderProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** The site owner's name and logo, if set. */
  site?: Site;
  /** "N online", or `null` to hide the count. */
  onlineText: ReadonlySignal<string> | null;
  /** Whether sound and notifications are on; `null` hides the toggle. */
  alerts?: ReadonlySignal<boolean> | null;
  /** The toggle was pressed. */
  onAlerts?: () => void;
  /** Saves the conversation; `null` hides the button. */
  onSave?: (() => void) | null;
  /** Opens the report dialog; `null` hides the button. */
  onReport?: (() => void) | null;
  /** A language was picked (plain clicks only: others follow the link). */
  onLang?: (lang: Lang) => void;
}

/** Props of {@linkcode ReportButton}. */
export interface ReportButtonProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** Report was pressed. */
  onReport(): void;
  /** In the top bar: small, a flag alone on a phone. */
  tool?: boolean;
}

/** Report: opens the report dialog. */
export function ReportButton({ dict, onReport, tool }: ReportButtonProps) {
  return (
    <button
      type="button"
      class={tool ? "button tool report" : "button report"}
      aria-haspopup="dialog"
      title={dict.reportTitle}
      onClick={onReport}
    >
      <span class="flag" aria-hidden="true" />
      <span class="label">{dict.report}</span>
    </button>
  );
}

/** The top bar above every screen. */
export function ChatHeader(props: ChatHeaderProps) {
  const { dict, site, onlineText, alerts, onSave, onReport, onLang } = props;
  return (
    <header class="bar">
      <span class="brand">
        {site?.logoUrl
          ? <img class="logo" src={site.logoUrl} alt="" />
          : <span class="logo" aria-hidden="true" />}
        <span class="brand-name">{site?.name || dict.appName}</span>
      </span>
      {onlineText && (
        <span class="online">
          <span class="dot" aria-hidden="true" />
          {onlineText}
        </span>
      )}
      {onSave && (
        <button type="button" class="button tool save" onClick={onSave}>
          {dict.save}
        </button>
      )}
      {onReport && <ReportButton dict={dict} onReport={onReport} tool />}
      {alerts && (
        <button
          type="button"
          class="button tool alerts"
          aria-pressed={alerts.value ? "true" : "false"}
          title={dict.alerts}
          onClick={props.onAlerts}
        >
          <span class="bell" aria-hidden="true" />
          <span class="label">{dict.alerts}</span>
        </button>
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
            onClick={(e) => {
              if (
                !onLang || e.button !== 0 || e.ctrlKey || e.metaKey ||
                e.shiftKey || e.altKey
              ) return;
              e.preventDefault();
              onLang(lang);
            }}
          >
            {lang.toUpperCase()}
          </a>
        ))}
      </nav>
    </header>
  );
}
