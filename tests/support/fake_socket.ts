/**
 * A WebSocket for unit tests of the chat client's store: it records the
 * frames sent and opens, receives and closes only when the test says so.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ChatSocket } from "../../lib/ui/chat_socket.ts";

/** A socket the test drives: it records frames and closes by hand. */
export class FakeSocket implements ChatSocket {
  readyState: number = WebSocket.CONNECTING;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  sent: unknown[] = [];
  closedWith: number | undefined;

  send(data: string): void {
    assert.equal(this.readyState, WebSocket.OPEN, "sent on a closed socket");
    this.sent.push(JSON.parse(data));
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = WebSocket.CLOSING;
  }
  /** The server accepted the connection. */
  open(): void {
    this.readyState = WebSocket.OPEN;
    this.onopen?.(new Event("open"));
  }
  /** A frame from the server. */
  receive(frame: unknown): void {
    this.onmessage?.(
      new MessageEvent("message", { data: JSON.stringify(frame) }),
    );
  }
  /** The connection ended with `code` (and the server's `reason`). */
  closed(code: number, reason = ""): void {
    this.readyState = WebSocket.CLOSED;
    this.onclose?.(new CloseEvent("close", { code, reason }));
  }
}
