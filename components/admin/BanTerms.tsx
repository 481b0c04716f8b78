/**
 * The two choices of every ban: how long (the console's fixed durations)
 * and whether the visitor is told (visible) or not (shadowban).
 *
 * @module
 */

import { BAN_DURATIONS } from "../../lib/admin/wire.ts";

/** The duration and visibility fields, named `seconds` and `visible`. */
export function BanTerms({ idPrefix }: { idPrefix: string }) {
  return (
    <>
      <label class="field" for={`${idPrefix}-seconds`}>
        <span>Ban for</span>
        <select id={`${idPrefix}-seconds`} name="seconds">
          {BAN_DURATIONS.map((d) => (
            <option
              key={d.seconds}
              value={d.seconds}
              selected={d.seconds === 86_400}
            >
              {d.label}
            </option>
          ))}
        </select>
      </label>
      <label class="check" for={`${idPrefix}-visible`}>
        <input id={`${idPrefix}-visible`} type="checkbox" name="visible" />
        <span>Visible (they are told); unticked: shadowban</span>
      </label>
    </>
  );
}

/** The `seconds` and `visible` fields of a submitted form. */
export function banTermsOf(form: HTMLFormElement): {
  seconds: number;
  visible: boolean;
} {
  const data = new FormData(form);
  return {
    seconds: Number(data.get("seconds")),
    visible: data.get("visible") !== null,
  };
}
