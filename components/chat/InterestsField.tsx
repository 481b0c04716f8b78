/**
 * The idle screen's interests: a chip input (Enter or a comma adds one,
 * Backspace in the empty input removes the last, each chip has a remove
 * button of its own), a hint, why typed text did not become a chip, and
 * "Only people who share my interests".
 *
 * @module
 */

import { useRef } from "preact/hooks";
import type { Dictionary } from "../../lib/ui/i18n.ts";
import type { Preferences } from "../../lib/ui/preferences.ts";

/** Props of {@linkcode InterestsField}. */
export interface InterestsFieldProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** The visitor's interests and choices. */
  prefs: Preferences;
}

/** Interests as chips, and interests only. */
export function InterestsField({ dict, prefs }: InterestsFieldProps) {
  const inputRef = useRef<HTMLInputElement>(null);
  const interests = prefs.interests.value;
  const problem = prefs.problem.value;
  return (
    <div class="interests">
      <label class="field-label" for="interest-input">{dict.interests}</label>
      <div class="chip-box">
        {interests.length > 0 && (
          <ul class="chips" aria-label={dict.interests}>
            {interests.map((interest, i) => (
              <li key={interest} class="chip">
                <span class="chip-text" dir="auto">{interest}</span>
                <button
                  type="button"
                  class="chip-remove"
                  aria-label={dict.removeInterest(interest)}
                  title={dict.removeInterest(interest)}
                  onClick={() => {
                    prefs.remove(i);
                    inputRef.current?.focus();
                  }}
                >
                  <span aria-hidden="true">×</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <input
          ref={inputRef}
          id="interest-input"
          type="text"
          autocomplete="off"
          enterKeyHint="enter"
          placeholder={dict.interestsPlaceholder}
          aria-describedby="interest-hint interest-problem"
          aria-invalid={problem === "too_long" ? "true" : undefined}
          value={prefs.draft.value}
          onInput={(e) => {
            const input = e.currentTarget;
            prefs.setDraft(input.value);
            // A comma that added a chip leaves the signal as it was: reset
            // the box by hand.
            if (input.value !== prefs.draft.peek()) {
              input.value = prefs.draft.peek();
            }
          }}
          onKeyDown={(e) => {
            if (e.isComposing) return;
            if (e.key === "Enter") {
              e.preventDefault();
              prefs.commit();
            } else if (e.key === "Backspace" && e.currentTarget.value === "") {
              prefs.removeLast();
            }
          }}
        />
      </div>
      <p id="interest-hint" class="field-hint">{dict.interestsHint}</p>
      <p id="interest-problem" class="field-problem" aria-live="polite">
        {problem && dict.chipProblems[problem]}
      </p>
      <label class="check">
        <input
          type="checkbox"
          checked={prefs.strict.value}
          onChange={(e) => prefs.setStrict(e.currentTarget.checked)}
        />
        <span>{dict.strictInterests}</span>
      </label>
    </div>
  );
}
