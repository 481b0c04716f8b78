/**
 * The bot check in the page, browser code loaded only when the server asks
 * for it (a dynamic import: the first page load does not carry it). The
 * ALTCHA widget (npm `altcha`, its `external` build, which injects no
 * styles and makes no `blob:` workers) solves the server's proof-of-work
 * challenge, taken from our own frame (no request for it), in workers
 * served from our origin (`pow_assets.ts`), with its own accessible
 * progress, and hands back the payload for `request`.
 *
 * @module
 */

import "altcha/external";
import "altcha/i18n/ru";
import { POW_ASSETS, POW_WORKERS } from "./pow_assets.ts";

/** The part of ALTCHA's global this module uses. */
interface AltchaGlobal {
  algorithms: Map<string, () => Worker>;
}

/** The part of the `<altcha-widget>` element this module uses. */
interface AltchaWidget extends HTMLElement {
  configure(config: Record<string, unknown>): Promise<void> | void;
  verify(): Promise<unknown>;
}

/** Options for {@linkcode mountPowWidget}. */
export interface PowWidgetOptions {
  /** The server's challenge, as it sent it. */
  challenge: Record<string, unknown>;
  /** The widget's language (`en`, `ru`). */
  lang: string;
  /** Solved: `payload` goes in the next `request`'s `pow`. */
  onSolved(payload: string): void;
  /** The widget could not solve it (an old browser, no workers). */
  onFailed(): void;
}

let prepared = false;

/** Registers our workers and links the widget's stylesheet, once. */
function prepare(): void {
  if (prepared) return;
  prepared = true;
  const altcha = (globalThis as unknown as { $altcha: AltchaGlobal }).$altcha;
  for (const [algorithm, file] of Object.entries(POW_WORKERS)) {
    altcha.algorithms.set(algorithm, () => new Worker(POW_ASSETS + file));
  }
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = `${POW_ASSETS}altcha.css`;
  document.head.append(link);
}

/**
 * Mounts the widget into `host` and starts solving at once. Returns the
 * function that removes it (and stops its workers).
 */
export function mountPowWidget(
  host: HTMLElement,
  options: PowWidgetOptions,
): () => void {
  prepare();
  const widget = document.createElement("altcha-widget") as AltchaWidget;
  widget.addEventListener("load", () => {
    // `configure` returns nothing in altcha 3.2, a promise in its types.
    void Promise.resolve(widget.configure({
      challenge: options.challenge,
      language: options.lang,
      hideLogo: true,
      hideFooter: true,
      humanInteractionSignature: false,
    })).then(() => widget.verify());
  });
  widget.addEventListener("verified", (e) => {
    const payload = (e as CustomEvent<{ payload?: unknown }>).detail?.payload;
    if (typeof payload === "string") options.onSolved(payload);
    else options.onFailed();
  });
  widget.addEventListener("statechange", (e) => {
    const state = (e as CustomEvent<{ state?: unknown }>).detail?.state;
    if (state === "error") options.onFailed();
  });
  host.append(widget);
  return () => widget.remove();
}
