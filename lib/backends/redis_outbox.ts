/**
 * Deliveries gathered per channel until the end of the current task, so that
 * each channel gets those of one moment as one message (`redis_codec.ts`'s
 * batch): under load one `PUBLISH` carries hundreds of lines instead of one
 * each, and Redis, both connections and the event loops on either side do
 * the work of a command once per batch. An idle instance still sends a line
 * at once: the batch goes when the task that made it is done, not later.
 *
 * @module
 */

import type { Delivery } from "./backend.ts";

/** The deliveries of one task to one channel, in the order they were made. */
export interface Batch {
  /** Each delivery's addressee and delivery, for reporting it lost. */
  deliveries: [string, Delivery][];
  /** Each delivery as `encodeDelivery` wrote it. */
  messages: string[];
  /**
   * Settles the promise every frame of the batch was answered with: whether
   * the store took the batch and someone there listens. Absent: no frame.
   */
  settle?: (accepted: boolean) => void;
  /** The promise `settle` settles, handed to every frame of the batch. */
  accepted?: Promise<boolean>;
}

/**
 * Gathers deliveries per channel and hands each channel's batch to `send`
 * once the current task's microtasks have run. Batches go in the order they
 * are made, so on one connection the order of each channel's deliveries
 * holds.
 */
export class Outbox {
  /** Per channel, the batch still to go. */
  #batches = new Map<string, Batch>();
  #send: (channel: string, batch: Batch) => void;
  #flush = () => this.flush();

  /** Batches go to `send` at the end of each task that made one. */
  constructor(send: (channel: string, batch: Batch) => void) {
    this.#send = send;
  }

  /**
   * Adds `delivery` (written as `message`) for `to` to the next batch on
   * `channel`. For a frame, returns the promise of the whole batch: whether
   * the store took it and someone listens.
   */
  add(
    channel: string,
    to: string,
    delivery: Delivery,
    message: string,
  ): Promise<boolean> | undefined {
    let batch = this.#batches.get(channel);
    if (batch === undefined) {
      if (this.#batches.size === 0) queueMicrotask(this.#flush);
      batch = { deliveries: [], messages: [] };
      this.#batches.set(channel, batch);
    }
    batch.deliveries.push([to, delivery]);
    batch.messages.push(message);
    if (delivery.kind !== "frame") return undefined;
    if (batch.accepted === undefined) {
      const { promise, resolve } = Promise.withResolvers<boolean>();
      batch.settle = resolve;
      batch.accepted = promise;
    }
    return batch.accepted;
  }

  /** Sends every batch now (also before a goodbye). */
  flush(): void {
    const batches = this.#batches;
    this.#batches = new Map();
    for (const [channel, batch] of batches) this.#send(channel, batch);
  }

  /** Forgets what was not sent: the process is going away without a word. */
  drop(): void {
    this.#batches.clear();
  }
}
