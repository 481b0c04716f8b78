/**
 * How a {@linkcode Delivery} travels on a Redis channel between instances:
 * one short text message, a letter for its kind, the addressee, then its
 * fields a line each; and how the deliveries of one moment for one instance
 * travel together as one message. Pure, so that every field is seen to
 * survive the trip without a Redis.
 *
 * @module
 */

import type { Delivery } from "./backend.ts";

/**
 * The message for `delivery` to `to`: `f<to>\n<frame>`,
 * `p<to>\n<partner>\n<identity>\n<interests as JSON>\n<subjects as JSON>`,
 * `l<to>\n<partner>` (then `\n<why>` when it has one), `r<to>\n`; the
 * rare kinds of a resume elsewhere (`resume`, `handover`, `refused`,
 * `moved`) as `j<to>\n<the delivery as JSON>`; `undefined` for `lost`,
 * which never crosses instances.
 */
export function encodeDelivery(
  to: string,
  delivery: Delivery,
): string | undefined {
  switch (delivery.kind) {
    case "frame":
      return `f${to}\n${delivery.frame}`;
    case "paired": {
      const { partner, identity = "", interests = [], subjects = [] } =
        delivery;
      return `p${to}\n${partner}\n${identity}\n${JSON.stringify(interests)}\n${
        JSON.stringify(subjects)
      }`;
    }
    case "left":
      return delivery.why
        ? `l${to}\n${delivery.partner}\n${delivery.why}`
        : `l${to}\n${delivery.partner}`;
    case "requeue":
      return `r${to}\n`;
    case "lost":
      return undefined;
    default:
      return `j${to}\n${JSON.stringify(delivery)}`;
  }
}

/**
 * One message for several of {@linkcode encodeDelivery}'s, in order: `b`,
 * then each as its length (in UTF-16 code units, decimal), `:` and itself.
 * A batch of one is that message as it is.
 */
export function encodeBatch(messages: readonly string[]): string {
  if (messages.length === 1) return messages[0];
  let batch = "b";
  for (const message of messages) batch += message.length + ":" + message;
  return batch;
}

/**
 * The messages of a batch (or the one message that is not a batch), in
 * order. A batch garbled past some point ends there.
 */
export function splitBatch(batch: string): string[] {
  if (batch[0] !== "b") return [batch];
  const messages: string[] = [];
  let at = 1;
  while (at < batch.length) {
    const colon = batch.indexOf(":", at);
    const digits = batch.slice(at, colon);
    if (colon === -1 || !/^\d{1,9}$/.test(digits)) break;
    const end = colon + 1 + Number(digits);
    if (end > batch.length) break;
    messages.push(batch.slice(colon + 1, end));
    at = end;
  }
  return messages;
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
      return { to, delivery: left(rest) };
    case "r":
      return { to, delivery: { kind: "requeue" } };
    case "j":
      return rare(to, rest);
  }
  return undefined;
}

/** A delivery of a resume elsewhere, from its JSON; `undefined` if garbled. */
function rare(
  to: string,
  json: string,
): { to: string; delivery: Delivery } | undefined {
  try {
    const delivery = JSON.parse(json) as Delivery;
    if (RARE.includes(delivery?.kind)) return { to, delivery };
  } catch {
    // Garbled: dropped like any other.
  }
  return undefined;
}

/** The kinds that travel as JSON. */
const RARE: readonly string[] = ["resume", "handover", "refused", "moved"];

/** A `left` from its lines: the partner, then why, when it says. */
function left(rest: string): Delivery {
  const nl = rest.indexOf("\n");
  if (nl === -1) return { kind: "left", partner: rest };
  const why = rest.slice(nl + 1);
  const partner = rest.slice(0, nl);
  return why === "timeout" || why === "overflow"
    ? { kind: "left", partner, why }
    : { kind: "left", partner };
}

/**
 * A `paired` from its lines; one from an instance that sent no interests
 * (or no subjects) has none.
 */
function paired(rest: string): Delivery {
  const [partner, identity, interests, subjects] = rest.split("\n", 4);
  const delivery: Delivery = { kind: "paired", partner, identity };
  const asked = strings(interests);
  if (asked) delivery.interests = asked;
  const about = strings(subjects);
  if (about) delivery.subjects = about;
  return delivery;
}

/** A JSON array of strings, or `undefined` when absent or garbled. */
function strings(line: string | undefined): string[] | undefined {
  if (line === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (Array.isArray(parsed) && parsed.every((i) => typeof i === "string")) {
      return parsed;
    }
  } catch {
    // Garbled: the pair stands, without it.
  }
  return undefined;
}
