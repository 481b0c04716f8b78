/**
 * The bans in force, each with its expiry, kind and Unban.
 *
 * @module
 */

import type { Ban } from "../../lib/moderation/store.ts";
import { formatTime } from "../../lib/admin/duration.ts";

/** Props of {@linkcode BanList}. */
export interface BanListProps {
  bans: Ban[];
  busy: boolean;
  onUnban(id: string): void;
}

/** Who a ban is of, for people: its label, else the start of its subject. */
export function banName(ban: Ban): string {
  return ban.label || `visitor ${ban.subject.slice(0, 8)}`;
}

/** The active bans. */
export function BanList({ bans, busy, onUnban }: BanListProps) {
  if (bans.length === 0) return <p class="empty">No bans in force.</p>;
  return (
    <ul class="bans">
      {bans.map((ban) => (
        <li class="card ban" key={ban.id}>
          <p class="ban-name">{banName(ban)}</p>
          <dl>
            <div>
              <dt>Until</dt>
              <dd>
                <time dateTime={new Date(ban.until).toISOString()}>
                  {formatTime(ban.until)}
                </time>
              </dd>
            </div>
            <div>
              <dt>Kind</dt>
              <dd>{ban.visible ? "Visible" : "Shadowban"}</dd>
            </div>
            <div>
              <dt>By</dt>
              <dd>{ban.by}</dd>
            </div>
            {ban.reason && (
              <div>
                <dt>Reason</dt>
                <dd>{ban.reason}</dd>
              </div>
            )}
          </dl>
          <button
            class="button"
            type="button"
            disabled={busy}
            aria-label={`Unban ${banName(ban)}`}
            onClick={() => onUnban(ban.id)}
          >
            Unban
          </button>
        </li>
      ))}
    </ul>
  );
}
