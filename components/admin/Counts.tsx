/**
 * The live counts at the top of the console.
 *
 * @module
 */

import type { Stats } from "../../lib/admin/wire.ts";

/** Online, chatting, open reports, active bans. */
export function Counts({ stats }: { stats: Stats }) {
  const items: [string, number][] = [
    ["Online", stats.online],
    ["Chatting here", stats.chatting],
    ["Open reports", stats.openReports],
    ["Active bans", stats.activeBans],
  ];
  return (
    <dl class="counts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
