/**
 * The chat's WebSocket as the store sees it, browser code: the few members
 * of `WebSocket` the store uses (so that a fake socket serves in unit
 * tests), and the real socket to the page's own host.
 *
 * @module
 */

/** The part of `WebSocket` the store uses; a fake one serves in tests. */
export interface ChatSocket {
  /** `WebSocket.CONNECTING`, `OPEN`, `CLOSING` or `CLOSED`. */
  readonly readyState: number;
  /** Called once the connection is open. */
  onopen: ((event: Event) => void) | null;
  /** Called with each frame from the server. */
  onmessage: ((event: MessageEvent) => void) | null;
  /** Called once the connection is closed, with its close code. */
  onclose: ((event: CloseEvent) => void) | null;
  /** Sends one text frame. */
  send(data: string): void;
  /** Starts the closing handshake. */
  close(code?: number): void;
}

/**
 * Opens a WebSocket to `path` on the page's own host, `wss:` when the page
 * came over HTTPS.
 */
export function openChatSocket(path: string): ChatSocket {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return new WebSocket(`${scheme}//${location.host}${path}`);
}
