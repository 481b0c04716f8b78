/**
 * The title notifier, browser code: while the page is hidden or unfocused
 * and something arrived, the tab's title flashes a short text (as in the
 * original widget) until the visitor comes back; then the original title
 * returns.
 *
 * @module
 */

/** The notifier's flash period, as in the original widget. */
export const FLASH_MS = 1500;

/** A running title notifier. */
export interface TitleNotifier {
  /** Something arrived: flash until the visitor looks, unless they already do. */
  flag(): void;
  /** The page's title and the flash text changed (language switch). */
  retitle(text: string): void;
  /** Stops listening and flashing and restores the original title. */
  stop(): void;
}

/**
 * Starts flashing `text` in the title whenever {@linkcode TitleNotifier.flag}
 * is called while the page is hidden or unfocused, until focus returns.
 */
export function startTitleNotifier(text: string): TitleNotifier {
  let original = document.title;
  let pending = false;
  let active = document.visibilityState === "visible" && document.hasFocus();
  let restore: ReturnType<typeof setTimeout> | undefined;

  function reset(): void {
    pending = false;
    clearTimeout(restore);
    document.title = original;
  }

  function flash(): void {
    if (!pending || active) return;
    document.title = text;
    restore = setTimeout(() => document.title = original, FLASH_MS / 2);
  }

  function onBlur(): void {
    active = false;
  }

  function onFocus(): void {
    active = true;
    reset();
  }

  function onVisibility(): void {
    if (document.visibilityState === "hidden") active = false;
    else if (document.hasFocus()) onFocus();
  }

  const timer = setInterval(flash, FLASH_MS);
  addEventListener("blur", onBlur);
  addEventListener("focus", onFocus);
  document.addEventListener("visibilitychange", onVisibility);
  return {
    flag() {
      if (active) return;
      const first = !pending;
      pending = true;
      if (first) flash();
    },
    retitle(next) {
      text = next;
      if (!pending) original = document.title;
    },
    stop() {
      clearInterval(timer);
      removeEventListener("blur", onBlur);
      removeEventListener("focus", onFocus);
      document.removeEventListener("visibilitychange", onVisibility);
      reset();
    },
  };
}
