/**
 * How a {@linkcode Delivery} travels on a Redis channel between instances:
 * one short text message, a letter for its kind, the addressee, then its
 * fields a line each. Pure, so that every field is seen to survive the
 * trip without a Redis.
 *
 * @module
 */

import type { Delivery } from "./backend.ts";

/**
 * The message for `delivery` to `to`: `f<to>\n<frame>`,
 * `p<to>\n<partner>\n<identity>\n<interests as JSON>`, `l<to>\n<partner>`,
 * `r<to>\n`; `undefined` for `lost`, which never crosses instances.
 */
export function encodeDelivery(
  to: string,
  delivery: Delivery,
): string | undefined {
  switch (delivery.kind) {
    case "frame":
      return `f${to}\n${delivery.frame}`;
    case "paired": {
      const { partner, identity = "", interests = [] } = delivery;
      return `p${to}\n${partner}\n${identity}\n${JSON.stringify(interests)}`;
    }
    case "left":
      return `l${to}\n${delivery.partner}`;
    case "requeue":
      return `r${to}\n`;
    case "lost":
      return undefined;
  }
}

/** The addressee and delivery of a message; `undefined` for a garbled one. */
export function decodeDelivery(
  message: string,
): { to: string; delivery: Delivery } | undefined {
  const nl = message.indexOf("\n");
  if (nl < 1) return undefined;
  const to = message.slice(1, nl);
  const rest = message.slice(nl + 1);
  switch (message[0]) {
    case "f":
      return { to, delivery: { kind: "frame", frame: rest } };
    case "p":
      return { to, delivery: paired(rest) };
    case "l":
      return { to, delivery: { kind: "left", partner: rest } };
    case "r":
      return { to, delivery: { kind: "requeue" } };
  }
  return undefined;
}

/** A `paired` from its lines; one from an instance that sent no interests has none. */
function paired(rest: string): Delivery {
  const [partner, identity, interests] = rest.split("\n", 3);
  const delivery: Delivery = { kind: "paired", partner, identity };
  if (interests === undefined) return delivery;
  try {
    const parsed: unknown = JSON.parse(interests);
    if (Array.isArray(parsed) && parsed.every((i) => typeof i === "string")) {
      return { ...delivery, interests: parsed };
    }
  } catch {
    // Garbled: the pair stands, without what they share.
  }
  return delivery;
}
