/**
 * The moderation console: live counts, the open reports (each line marked
 * verified or not) with Dismiss and Ban, the bans in force with Unban, a
 * form to ban an address, and the audit log. It renders on the server with
 * the data of the moment, then keeps itself current through the JSON API
 * (counts every few seconds, the lists when the counts change). State and
 * API calls live in `lib/admin/console_store.ts`; the pieces are plain
 * components in `components/admin/`.
 *
 * @module
 */

import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { AuditLog } from "../components/admin/AuditLog.tsx";
import { BanForm } from "../components/admin/BanForm.tsx";
import { BanList } from "../components/admin/BanList.tsx";
import { Counts } from "../components/admin/Counts.tsx";
import { ReportCard } from "../components/admin/ReportCard.tsx";
import {
  type ConsoleData,
  createConsoleStore,
} from "../lib/admin/console_store.ts";

/** Props of the console island: plain JSON, serialized into the page. */
export interface AdminProps extends ConsoleData {
  /** The session's CSRF token, sent with every change. */
  csrf: string;
  /** Milliseconds between two looks at the counts. @default {5000} */
  pollMs?: number;
}

/** The console. */
export default function Admin(props: AdminProps) {
  const store = useMemo(
    () => createConsoleStore(props, { csrf: props.csrf }),
    [],
  );
  const ready = useSignal(false);
  useEffect(() => {
    ready.value = true;
    const timer = setInterval(() => store.poll(), props.pollMs ?? 5000);
    return () => clearInterval(timer);
  }, []);
  const busy = store.busy.value;
  const notice = store.notice.value;
  const reports = store.reports.value;
  return (
    <div class="admin-console" data-ready={ready.value ? "" : undefined}>
      <h1>Moderation</h1>
      <Counts stats={store.stats.value} />
      <p
        class={`notice ${notice?.kind ?? ""}`}
        role="status"
        aria-live="polite"
      >
        {notice?.text}
      </p>
      <section aria-labelledby="reports-heading">
        <h2 id="reports-heading">Open reports ({reports.length})</h2>
        {reports.length === 0
          ? <p class="empty">No open reports.</p>
          : reports.map((report) => (
            <ReportCard
              key={report.id}
              report={report}
              busy={busy}
              onDismiss={(id) => store.dismiss(id)}
              onBan={(id, seconds, visible) =>
                store.banReport(id, seconds, visible)}
            />
          ))}
      </section>
      <section aria-labelledby="bans-heading">
        <h2 id="bans-heading">Bans in force ({store.bans.value.length})</h2>
        <BanList
          bans={store.bans.value}
          busy={busy}
          onUnban={(id) => store.unban(id)}
        />
        <h3>Ban an address</h3>
        <BanForm busy={busy} onBan={(terms) => store.ban(terms)} />
      </section>
      <section aria-labelledby="audit-heading">
        <h2 id="audit-heading">Audit log</h2>
        <AuditLog entries={store.audit.value} />
      </section>
    </div>
  );
}
