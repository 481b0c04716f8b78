/**
 * The line numbers of one chat, browser code, pure: our own lines are
 * numbered 1, 2, 3 … (`seq` on the `message` frames we send), and `seen`
 * is the highest number of the partner's lines received. A partner line
 * numbered at or below `seen` came already (the server sends again what
 * it is not sure we got, after a resume): it is dropped.
 *
 * @module
 */

/** Our numbering and what we saw of the partner's, for one chat. */
export interface LineNumbers {
  /** The resume token of this side of the chat, if the server gave one. */
  readonly token: string | null;
  /** The highest partner line number received, 0 if none. */
  readonly seen: number;
  /** How many lines we numbered in this chat. */
  readonly sent: number;
  /** A chat began, with `token` (`null`: the server gave none). */
  begin(token: string | null): void;
  /** The chat is over: no token, the numbers start again. */
  end(): void;
  /** The number of our next line. */
  next(): number;
  /**
   * A partner line numbered `seq` arrived: `true` if it is new (and `seen`
   * moves up to it), `false` if it came already. Lines without a number
   * (an older server) are always new.
   */
  heard(seq: number | undefined): boolean;
}

/** Creates the numbers of no chat. */
export function createLineNumbers(): LineNumbers {
  let token: string | null = null;
  let seen = 0;
  let sent = 0;
  return {
    get token() {
      return token;
    },
    get seen() {
      return seen;
    },
    get sent() {
      return sent;
    },
    begin(given) {
      token = given;
      seen = sent = 0;
    },
    end() {
      token = null;
      seen = sent = 0;
    },
    next() {
      return ++sent;
    },
    heard(seq) {
      if (seq === undefined) return true;
      if (seq <= seen) return false;
      seen = seq;
      return true;
    },
  };
}
