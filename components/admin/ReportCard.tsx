/**
 * One report: its reason, time, note and lines, each line marked verified
 * or unverified in words and a symbol (never by colour alone), with the
 * actions on it. Every string in it is the reporter's: rendered as text.
 *
 * @module
 */

import type { Report } from "../../lib/moderation/store.ts";
import { formatTime } from "../../lib/admin/duration.ts";
import { BanTerms, banTermsOf } from "./BanTerms.tsx";

/** Each reason as the console names it. */
export const REASON_LABELS: Record<Report["reason"], string> = {
  spam: "Spam",
  harassment: "Harassment",
  sexual: "Sexual content",
  underage: "Looks underage",
  other: "Other",
};

/** Props of {@linkcode ReportCard}. */
export interface ReportCardProps {
  report: Report;
  busy: boolean;
  onDismiss(id: string): void;
  onBan(id: string, seconds: number, visible: boolean): void;
}

/** A report with Dismiss and Ban. */
export function ReportCard(
  { report, busy, onDismiss, onBan }: ReportCardProps,
) {
  const heading = `report-${report.id}`;
  const verified = report.lines.filter((line) => line.verified).length;
  return (
    <article class="card report" aria-labelledby={heading}>
      <header>
        <h3 id={heading}>{REASON_LABELS[report.reason] ?? report.reason}</h3>
        <p class="meta">
          <time dateTime={new Date(report.at).toISOString()}>
            {formatTime(report.at)}
          </time>{" "}
          · {report.lines.length} lines, {verified} verified
        </p>
      </header>
      {report.note && (
        <p class="note">
          <strong>Note:</strong> {report.note}
        </p>
      )}
      {report.lines.length > 0 && (
        <ol class="lines">
          {report.lines.map((line, i) => (
            <li
              key={i}
              class={line.verified ? "verified" : "unverified"}
            >
              <span class="badge">
                {line.verified ? "✓ Verified" : "✗ Unverified"}
              </span>{" "}
              <span class="who">
                {line.from === "me" ? "Reporter" : "Reported"}:
              </span>{" "}
              <span class="text">{line.message}</span>
            </li>
          ))}
        </ol>
      )}
      <div class="actions">
        <button
          class="button"
          type="button"
          disabled={busy}
          onClick={() => onDismiss(report.id)}
        >
          Dismiss
        </button>
        <form
          class="ban-terms"
          onSubmit={(event) => {
            event.preventDefault();
            const terms = banTermsOf(event.currentTarget);
            onBan(report.id, terms.seconds, terms.visible);
          }}
        >
          <BanTerms idPrefix={heading} />
          <button class="button danger" type="submit" disabled={busy}>
            Ban
          </button>
        </form>
      </div>
    </article>
  );
}
