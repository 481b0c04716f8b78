/**
 * Why a socket closed before it opened, browser code. A browser's WebSocket
 * sees only close 1006 when the server refuses a handshake (per-address
 * limits, a full server) or cannot be reached at all, so the page asks
 * `GET /ws/admission`, a dry run of the same checks, and tells the visitor
 * what happened and when to retry.
 *
 * @module
 */

/** What the page learnt about a failed handshake. */
export type Admission =
  | { kind: "ok" }
  | { kind: "refused"; reason: string; retryAfter: number }
  | { kind: "down" };

/** Reads the admission route's JSON; anything unexpected counts as ok. */
export function parseAdmission(value: unknown): Admission {
  if (typeof value !== "object" || value === null) return { kind: "ok" };
  const body = value as Record<string, unknown>;
  if (body.ok !== false || typeof body.reason !== "string") {
    return { kind: "ok" };
  }
  const after = Number(body.retryAfter);
  return {
    kind: "refused",
    reason: body.reason,
    retryAfter: Number.isFinite(after) && after > 0 ? Math.ceil(after) : 5,
  };
}

/**
 * Asks `path` (the WebSocket path + `/admission`) whether a handshake would
 * be admitted now; a failed fetch means the server is down.
 */
export async function checkAdmission(path: string): Promise<Admission> {
  let res: Response;
  try {
    res = await fetch(path, { cache: "no-store" });
  } catch {
    return { kind: "down" };
  }
  if (res.status >= 502 && res.status <= 504) {
    await res.body?.cancel();
    return { kind: "down" };
  }
  try {
    return parseAdmission(await res.json());
  } catch {
    return { kind: "ok" };
  }
}
