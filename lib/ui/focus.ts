/**
 * Keyboard focus across the chat's screens, browser code: when a screen
 * replaces another, the element that had focus goes away with it, and
 * keyboard users must not land on `<body>`.
 *
 * @module
 */

import { useEffect } from "preact/hooks";

/** Whether nothing useful has focus (the focused element went away). */
export function focusLost(): boolean {
  const active = document.activeElement;
  return !active || active === document.body;
}

/**
 * Moves focus to `ref` once, when the screen appears, if `enabled` (the
 * screen follows a visitor's action, not the page load, where the reader
 * should start at the top) and focus was lost with the previous screen.
 */
export function useFocusOnShow(
  ref: { current: HTMLElement | null },
  enabled: boolean,
): void {
  useEffect(() => {
    if (enabled && focusLost()) ref.current?.focus();
  }, []);
}
