/**
 * Ban an address: the address as typed (its group is banned: an IPv6 /64,
 * an IPv4 address or prefix), a duration, visible or not, a reason.
 *
 * @module
 */

import { MAX_REASON } from "../../lib/admin/wire.ts";
import { BanTerms, banTermsOf } from "./BanTerms.tsx";

/** What the form asks the API for. */
export interface AddressBan {
  address: string;
  seconds: number;
  visible: boolean;
  reason: string;
}

/** Props of {@linkcode BanForm}. */
export interface BanFormProps {
  busy: boolean;
  /** Resolves `true` when the ban was made (the form then clears). */
  onBan(ban: AddressBan): Promise<boolean>;
}

/** The form that bans an address. */
export function BanForm({ busy, onBan }: BanFormProps) {
  return (
    <form
      class="card ban-form"
      onSubmit={async (event) => {
        event.preventDefault();
        const form = event.currentTarget;
        const data = new FormData(form);
        const made = await onBan({
          address: String(data.get("address") ?? ""),
          reason: String(data.get("reason") ?? ""),
          ...banTermsOf(form),
        });
        if (made) form.reset();
      }}
    >
      <label class="field" for="ban-address">
        <span>IP address</span>
        <input
          id="ban-address"
          name="address"
          required
          maxLength={64}
          autoComplete="off"
          spellcheck={false}
          placeholder="203.0.113.7 or 2001:db8::1"
        />
      </label>
      <BanTerms idPrefix="ban-address" />
      <label class="field" for="ban-reason">
        <span>Reason (optional)</span>
        <input id="ban-reason" name="reason" maxLength={MAX_REASON} />
      </label>
      <button class="button danger" type="submit" disabled={busy}>
        Ban address
      </button>
    </form>
  );
}
