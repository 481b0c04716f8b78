/**
 * Getting the visitor's attention beyond the title flash, browser code: a
 * badge with the unread count on the favicon (an SVG data URL), and, once
 * the visitor turns them on with the one toggle (remembered in
 * `localStorage`), a short beep (WebAudio, no audio file) when a partner is
 * found or a line arrives while the tab is hidden, and desktop
 * notifications (asked for only when turned on).
 *
 * @module
 */

import { type ReadonlySignal, signal } from "@preact/signals";
import type { Dictionary } from "./i18n.ts";

/** Where the toggle's choice is kept. */
export const ALERTS_KEY = "strangers.alerts";

/** What deserves attention. */
export type AttentionKind = "found" | "message";

/** A running attention helper. */
export interface Attention {
  /** Lines arrived while the visitor looked away. */
  unread: ReadonlySignal<number>;
  /** Sound and desktop notifications are on. */
  enabled: ReadonlySignal<boolean>;
  /** Something arrived. */
  notify(kind: AttentionKind, dict: Dictionary): void;
  /** Turns sound and notifications on or off (a visitor's click). */
  toggle(): void;
  /** Stops listening and restores the favicon. */
  stop(): void;
}

/** The favicon with the unread count in a red badge, as an SVG. */
export function badgeSvg(count: number): string {
  const label = count > 9 ? "9+" : String(count);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
    `<rect width="32" height="32" rx="8" fill="#2563eb"/>` +
    `<path d="M8 10h16v10H15l-5 4v-4H8z" fill="#fff"/>` +
    `<circle cx="23" cy="9" r="9" fill="#dc2626"/>` +
    `<text x="23" y="13" font-size="${label.length > 1 ? 10 : 13}" ` +
    `font-family="sans-serif" font-weight="700" text-anchor="middle" ` +
    `fill="#fff">${label}</text></svg>`;
}

function away(): boolean {
  return document.visibilityState === "hidden" || !document.hasFocus();
}

function readChoice(): boolean {
  try {
    return localStorage.getItem(ALERTS_KEY) === "on";
  } catch {
    return false;
  }
}

function keepChoice(on: boolean): void {
  try {
    localStorage.setItem(ALERTS_KEY, on ? "on" : "off");
  } catch {
    // Storage may be off (private mode): the choice lasts this page only.
  }
}

/** Starts watching focus; the favicon badge works with the toggle off too. */
export function startAttention(): Attention {
  const unread = signal(0);
  const enabled = signal(readChoice());
  const icon = document.querySelector<HTMLLinkElement>("link[rel~=icon]");
  const originalIcon = icon?.href ?? "";
  let audio: AudioContext | null = null;

  function showBadge(): void {
    if (!icon) return;
    icon.href = unread.peek() > 0
      ? `data:image/svg+xml,${encodeURIComponent(badgeSvg(unread.peek()))}`
      : originalIcon;
  }

  function back(): void {
    if (away() || unread.peek() === 0) return;
    unread.value = 0;
    showBadge();
  }

  function beep(): void {
    try {
      audio ??= new AudioContext();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      const t = audio.currentTime;
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.001, t);
      gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.001, t + 0.18);
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + 0.2);
    } catch {
      // No audio output: the badge and the title still say it.
    }
  }

  function desktop(kind: AttentionKind, dict: Dictionary): void {
    if (!("Notification" in globalThis)) return;
    if (Notification.permission !== "granted") return;
    try {
      new Notification(dict.appName, {
        body: kind === "found" ? dict.found : dict.newMessage,
        tag: "strangers",
      });
    } catch {
      // Some browsers allow notifications only from a service worker.
    }
  }

  addEventListener("focus", back);
  document.addEventListener("visibilitychange", back);
  return {
    unread,
    enabled,
    notify(kind, dict) {
      const hidden = away();
      if (hidden && kind === "message") {
        unread.value++;
        showBadge();
      }
      if (!enabled.peek()) return;
      if (kind === "found" || hidden) beep();
      if (hidden) desktop(kind, dict);
    },
    toggle() {
      const on = !enabled.peek();
      enabled.value = on;
      keepChoice(on);
      if (!on) return;
      // Audio may start only from a visitor's gesture: this click.
      try {
        audio ??= new AudioContext();
        void audio.resume();
      } catch {
        audio = null;
      }
      if (
        "Notification" in globalThis && Notification.permission === "default"
      ) {
        void Notification.requestPermission();
      }
    },
    stop() {
      removeEventListener("focus", back);
      document.removeEventListener("visibilitychange", back);
      unread.value = 0;
      showBadge();
      void audio?.close();
    },
  };
}
