/**
 * The bot check on the wait screen: the ALTCHA widget, loaded only now
 * (`lib/ui/pow_widget.ts`, a chunk of its own), solves the server's
 * challenge with its own accessible progress; the solution goes back to
 * the server with the request. A new challenge (the last solution was
 * refused) starts it again.
 *
 * @module
 */

import { useEffect, useRef, useState } from "preact/hooks";
import type { Dictionary } from "../../lib/ui/i18n.ts";
import type { BotCheck } from "../../lib/ui/safety_store.ts";

/** Props of {@linkcode PowCheck}. */
export interface PowCheckProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** The challenge to solve. */
  check: BotCheck;
  /** Solved: the payload for the request's `pow`. */
  onSolved(payload: string): void;
}

/** Checking you're not a bot. */
export function PowCheck({ dict, check, onSolved }: PowCheckProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const solved = useRef(onSolved);
  solved.current = onSolved;
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let live = true;
    let unmount = () => {};
    setFailed(false);
    import("../../lib/ui/pow_widget.ts").then(({ mountPowWidget }) => {
      if (!live || !hostRef.current) return;
      unmount = mountPowWidget(hostRef.current, {
        challenge: check.challenge,
        lang: dict.lang,
        onSolved: (payload) => live && solved.current(payload),
        onFailed: () => live && setFailed(true),
      });
    }, () => live && setFailed(true));
    return () => {
      live = false;
      unmount();
    };
  }, [check]);

  return (
    <div class="pow">
      <div ref={hostRef} class="pow-widget" />
      {check.retry && !failed && (
        <p class="field-hint">{dict.errors.pow_invalid}</p>
      )}
      {failed && <p class="notice" role="alert">{dict.checkFailed}</p>}
    </div>
  );
}
