/**
 * A started chat store for unit tests of the chat client, wired to a
 * {@linkcode FakeClock} and to {@linkcode FakeSocket}s the test drives.
 *
 * @module
 */

import {
  type ChatStore,
  type ChatStoreOptions,
  createChatStore,
} from "../../lib/ui/chat_store.ts";
import { FakeClock } from "./clock.ts";
import { FakeSocket } from "./fake_socket.ts";

/**
 * Options a test may change; the fixture owns the clock and the sockets.
 * Unless changed: English, nobody online, no jitter, no presence socket and
 * no admission probe.
 */
export type ChatStoreOverrides = Partial<
  Omit<ChatStoreOptions, "clock" | "connect">
>;

/** What {@linkcode startChatStore} gives a test. */
export interface ChatStoreFixture {
  /** The store's clock: time moves only by `clock.advance()`. */
  clock: FakeClock;
  /** Every socket the store opened, oldest first. */
  sockets: FakeSocket[];
  /** The store, already started. */
  store: ChatStore;
  /** Stops the store (the cleanup `store.start()` returned). */
  stop: () => void;
  /** The socket the store opened last. */
  last: () => FakeSocket;
}

/** Creates a chat store with `overrides` on fakes, and starts it. */
export function startChatStore(
  overrides: ChatStoreOverrides = {},
): ChatStoreFixture {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const store = createChatStore({
    lang: "en",
    online: 0,
    // No jitter: the backoff's delays are exactly 500, 1000, 2000 ms, …
    random: () => 0.5,
    presence: false,
    probe: null,
    ...overrides,
    clock,
    connect() {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
  });
  const stop = store.start();
  return { clock, sockets, store, stop, last: () => sockets.at(-1)! };
}
