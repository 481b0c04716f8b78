/**
 * The report dialog: a modal `<dialog>` (focus stays inside, Esc closes
 * it) with the reasons as a radio group, an optional note, what the report
 * carries, Send and Cancel, and why a report failed.
 *
 * @module
 */

import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { type Dictionary, errorText } from "../../lib/ui/i18n.ts";
import {
  NOTE_MAX,
  REPORT_REASONS,
  type ReportReason,
} from "../../lib/ui/report.ts";
import type { ReportStatus } from "../../lib/ui/safety_store.ts";

/** Props of {@linkcode ReportDialog}. */
export interface ReportDialogProps {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** The dialog is shown. */
  open: boolean;
  /** Where the report is. */
  status: ReportStatus;
  /** Why the last report failed, as an error code. */
  error: string | null;
  /** Send was pressed with a reason. */
  onSend(reason: ReportReason, note: string): void;
  /** Cancel or Esc. */
  onClose(): void;
}

/** Report this stranger: why, and a note. */
export function ReportDialog(props: ReportDialogProps) {
  const { dict, open, status, error } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState<ReportReason | null>(null);
  const [note, setNote] = useState("");
  const sending = status === "sending";

  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setReason(null);
      setNote("");
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      class="report-dialog"
      aria-labelledby="report-title"
      onClose={props.onClose}
      onKeyDown={(e) => {
        // Esc closes the dialog only: it must not count toward the
        // chat's "Esc twice ends it".
        if (e.key !== "Escape") return;
        e.preventDefault();
        props.onClose();
      }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (reason && !sending) props.onSend(reason, note);
        }}
      >
        <h2 id="report-title">{dict.reportTitle}</h2>
        <fieldset class="reasons">
          <legend class="field-label">{dict.reportWhy}</legend>
          {REPORT_REASONS.map((r) => (
            <label key={r} class="check">
              <input
                type="radio"
                name="report-reason"
                value={r}
                required
                checked={reason === r}
                onChange={() => setReason(r)}
              />
              <span>{dict.reportReasons[r]}</span>
            </label>
          ))}
        </fieldset>
        <label class="field-label" for="report-note">{dict.reportNote}</label>
        <textarea
          id="report-note"
          rows={3}
          maxLength={NOTE_MAX}
          dir="auto"
          value={note}
          onInput={(e) => setNote(e.currentTarget.value)}
        />
        <p class="field-hint">{dict.reportIncludes}</p>
        {status === "failed" && error && (
          <p class="field-problem" role="alert">
            {error === "unavailable"
              ? dict.reportFailed
              : errorText(dict, error)}
          </p>
        )}
        <div class="actions">
          <button type="button" class="button" onClick={props.onClose}>
            {dict.cancel}
          </button>
          <button
            type="submit"
            class="button primary"
            aria-disabled={sending ? "true" : undefined}
          >
            {sending && <span class="spinner" aria-hidden="true" />}
            {sending ? dict.reportSending : dict.reportSend}
          </button>
        </div>
      </form>
    </dialog>
  );
}
