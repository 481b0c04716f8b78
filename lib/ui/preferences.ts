/**
 * What the visitor asks for, browser code: interests (the idle screen's
 * chips, edited by `interest_chips.ts`), "only people who share my
 * interests", and the browser token (`browser_token.ts`). The choices are
 * remembered in `localStorage` and read back when the page loads; the
 * `request` and `block` frames carry them to the server.
 *
 * Nothing here reads storage before {@linkcode Preferences.load}: the
 * island renders on the server too.
 *
 * @module
 */

import { batch, effect, type ReadonlySignal, signal } from "@preact/signals";
import type { RequestFrame } from "../ws/protocol.ts";
import { browserToken, type PrefStorage } from "./browser_token.ts";
import {
  addInterests,
  type ChipProblem,
  readInterests,
  removeInterest,
} from "./interest_chips.ts";

/** The storage key of the interests, a JSON array. */
export const INTERESTS_KEY = "strangers:interests";
/** The storage key of "only people who share my interests", `1` or `0`. */
export const STRICT_KEY = "strangers:strict";

/** The visitor's choices as signals, and the actions that change them. */
export interface Preferences {
  /** The interests, normalised as the server matches them. */
  interests: ReadonlySignal<string[]>;
  /** What is typed in the chip input and not yet a chip. */
  draft: ReadonlySignal<string>;
  /** Why the last text typed did not (all) become chips. */
  problem: ReadonlySignal<ChipProblem | null>;
  /** Only people who share an interest. */
  strict: ReadonlySignal<boolean>;
  /** The browser token; `""` until {@linkcode Preferences.load}. */
  token: ReadonlySignal<string>;
  /** The input changed: text up to a comma becomes chips at once. */
  setDraft(text: string): void;
  /** Enter: the draft becomes chips. */
  commit(): void;
  /** Removes the chip at `index`. */
  remove(index: number): void;
  /** Backspace in an empty input: removes the last chip, if any. */
  removeLast(): void;
  /** Sets "only people who share my interests". */
  setStrict(on: boolean): void;
  /**
   * Reads the choices and the token from `storage` (`null`: none), then
   * saves every change there. Returns the function that stops saving.
   */
  load(storage: PrefStorage | null): () => void;
  /** The `request` frame for a page in `lang`. */
  request(lang: string): RequestFrame;
  /** The `block` frame: the last partner of this browser. */
  block(): { type: "block"; token?: string };
}

/** Creates the preferences, empty until loaded. */
export function createPreferences(): Preferences {
  const interests = signal<string[]>([]);
  const draft = signal("");
  const problem = signal<ChipProblem | null>(null);
  const strict = signal(false);
  const token = signal("");

  function add(text: string, keep = ""): void {
    const edit = addInterests(interests.peek(), text);
    batch(() => {
      interests.value = edit.interests;
      draft.value = [edit.rest, keep].filter((t) => t !== "").join(", ");
      problem.value = edit.problem;
    });
  }

  function remove(index: number): void {
    batch(() => {
      interests.value = removeInterest(interests.peek(), index);
      problem.value = null;
    });
  }

  function tokenField(): { token?: string } {
    const value = token.peek();
    return value ? { token: value } : {};
  }

  return {
    interests,
    draft,
    problem,
    strict,
    token,
    setDraft(text) {
      const cut = text.search(/[,\uFF0C\u3001\u060C][^,\uFF0C\u3001\u060C]*$/);
      if (cut < 0) draft.value = text;
      else add(text.slice(0, cut), text.slice(cut + 1).trimStart());
    },
    commit() {
      add(draft.peek());
    },
    remove,
    removeLast() {
      const list = interests.peek();
      if (list.length > 0) remove(list.length - 1);
    },
    setStrict(on) {
      strict.value = on;
    },
    load(storage) {
      batch(() => {
        try {
          interests.value = readInterests(
            storage?.getItem(INTERESTS_KEY) ?? null,
          );
          strict.value = storage?.getItem(STRICT_KEY) === "1";
        } catch {
          // Storage is off: start empty, as a first visit does.
        }
        token.value = browserToken(storage);
      });
      let first = true;
      return effect(() => {
        const list = JSON.stringify(interests.value);
        const only = strict.value ? "1" : "0";
        if (first) return void (first = false);
        try {
          storage?.setItem(INTERESTS_KEY, list);
          storage?.setItem(STRICT_KEY, only);
        } catch {
          // Full or disabled: the choices last until the page closes.
        }
      });
    },
    request(lang) {
      return {
        type: "request",
        ...tokenField(),
        interests: interests.peek(),
        ...(lang ? { lang } : {}),
        strict: strict.peek(),
      };
    },
    block() {
      return { type: "block", ...tokenField() };
    },
  };
}
