/**
 * The audit log, newest first: who did what to whom, and when.
 *
 * @module
 */

import type { AuditEntry } from "../../lib/moderation/store.ts";
import { formatTime } from "../../lib/admin/duration.ts";

/** Each action as the console names it. */
const ACTIONS: Record<string, string> = {
  auto_ban: "banned by reports",
  ban: "banned",
  unban: "unbanned",
  dismiss: "dismissed a report",
  sign_in: "signed in",
  sign_in_failed: "failed to sign in",
};

/** The audit log's entries. */
export function AuditLog({ entries }: { entries: AuditEntry[] }) {
  if (entries.length === 0) return <p class="empty">Nothing yet.</p>;
  return (
    <ol class="audit">
      {entries.map((entry) => (
        <li key={entry.id}>
          <time dateTime={new Date(entry.at).toISOString()}>
            {formatTime(entry.at)}
          </time>{" "}
          <strong>{entry.actor}</strong>{" "}
          <span class="action">{ACTIONS[entry.action] ?? entry.action}</span>
          {entry.target && <span class="target">{entry.target}</span>}
          {entry.detail && <span class="detail">{entry.detail}</span>}
        </li>
      ))}
    </ol>
  );
}
