/**
 * The chat client's store, browser code: the signals the chat screens read
 * (phase, conversation, draft, online count, notices) and the effects the
 * pure table in `chat_machine.ts` asks for: the WebSocket (opened inside a
 * signal `effect` whose cleanup closes it), reconnecting with backoff
 * (`retry_timer.ts`), the typing throttle (`typing.ts`) and waiting for the
 * server's echo of our own lines.
 *
 * The socket and the clock are injected, so the store runs without a browser
 * in unit tests (a fake socket and fake timers); by default it uses
 * `WebSocket` on the page's own host (`chat_socket.ts`) and the global
 * timers (`clock.ts`).
 *
 * @module
 */

import {
  batch,
  computed,
  effect as signalEffect,
  type ReadonlySignal,
  type Signal,
  signal,
} from "@preact/signals";
import {
  type ClientFrame,
  hasVisibleCharacter,
  WS_CLOSE,
} from "../ws/protocol.ts";
import {
  type ChatEvent,
  closeEvent,
  type Effect,
  type Line,
  type Notice,
  parseServerFrame,
  type Phase,
  transition,
} from "./chat_machine.ts";
import { type ChatSocket, openChatSocket } from "./chat_socket.ts";
import { type Clock, SYSTEM_CLOCK, type TimerId } from "./clock.ts";
import { DICTIONARIES, type Dictionary, type Lang } from "./i18n.ts";
import { createRetryTimer } from "./retry_timer.ts";
import { createTypingThrottle } from "./typing.ts";

/** Without a fresh typing frame, the partner's indicator hides after this. */
export const TYPING_HIDE_MS = 6000;
/** Two Esc presses this close end the chat. */
export const ESC_TWICE_MS = 1000;

/** Options for {@linkcode createChatStore}. */
export interface ChatStoreOptions {
  /** UI language. */
  lang: Lang;
  /** Visitors online when the page was rendered. */
  online: number;
  /** Path of the WebSocket endpoint, used by the default `connect`.
   * @default {"/ws"} */
  wsPath?: string;
  /** Opens a new socket to the server.
   * @default {a `WebSocket` to `wsPath` on the page's host} */
  connect?: () => ChatSocket;
  /** Time and timers.
   * @default {SYSTEM_CLOCK} */
  clock?: Clock;
  /** Randomness for the backoff's jitter, in [0, 1).
   * @default {Math.random} */
  random?: () => number;
  /** Called when something arrives that deserves the visitor's attention.
   * @default {nothing} */
  notify?: () => void;
}

/** A line of the log as shown: the machine's line, stamped. */
export type LogLine = Line & { id: number; time: string; iso: string };

/** Which screen a phase shows. */
export type Screen = "idle" | "wait" | "conversation";

/** The chat's state as signals, and the actions that change it. */
export interface ChatStore {
  /** Texts in the UI language. */
  dict: Dictionary;
  /** Where the chat is; changed only by {@linkcode ChatStore.dispatch}. */
  phase: ReadonlySignal<Phase>;
  /** The conversation. */
  lines: ReadonlySignal<LogLine[]>;
  /** What the visitor is typing. */
  draft: ReadonlySignal<string>;
  /** A line went out and its echo has not come back yet. */
  sending: ReadonlySignal<boolean>;
  /** The partner is typing. */
  partnerTyping: ReadonlySignal<boolean>;
  /** Visitors online. */
  online: ReadonlySignal<number>;
  /** Why the visitor is back on the idle or wait screen. */
  notice: ReadonlySignal<Notice | null>;
  /** Seconds until the next reconnect attempt, 0 when none is planned. */
  retryIn: ReadonlySignal<number>;
  /** Bumped for each socket opened; 0 until the visitor first starts. */
  session: ReadonlySignal<number>;
  /** The page is hydrated and listening. */
  ready: Signal<boolean>;
  /** Which screen the phase shows. */
  screen: ReadonlySignal<Screen>;
  /** "N online", in the UI language. */
  onlineText: ReadonlySignal<string>;
  /** The wait screen's state label. */
  waitLabel: ReadonlySignal<string>;
  /** Feeds one event to the machine and runs the effects it asks for. */
  dispatch(event: ChatEvent): void;
  /** Handles one frame from the server. */
  onFrame(data: unknown): void;
  /** The visitor edited the draft. */
  onDraft(text: string): void;
  /** Sends the draft, if there is one and no line is pending. */
  submit(): void;
  /** Esc pressed in a chat: twice in a row ends it. */
  onEscape(): void;
  /** Whether the message box should take focus now; true once per request. */
  claimFocus(): boolean;
  /**
   * Starts the socket effect. Returns the function that stops it: closes
   * the socket and clears every timer.
   */
  start(): () => void;
}

/** Creates the chat store; nothing connects before `start()` and Start. */
export function createChatStore(options: ChatStoreOptions): ChatStore {
  const dict = DICTIONARIES[options.lang] ?? DICTIONARIES.en;
  const wsPath = options.wsPath ?? "/ws";
  const connect = options.connect ?? (() => openChatSocket(wsPath));
  const clock = options.clock ?? SYSTEM_CLOCK;
  const random = options.random ?? Math.random;
  const notify = options.notify ?? (() => {});

  let nextId = 1;
  let typingHide: TimerId;
  let lastEsc = -Infinity;
  let wantFocus = false;
  /** The live socket, if any; set by the socket effect. */
  let socket: ChatSocket | null = null;
  /** When the last socket opened, 0 if it never did. */
  let openedAt = 0;

  const phase = signal<Phase>("idle");
  const lines = signal<LogLine[]>([]);
  const draft = signal("");
  const sending = signal(false);
  const partnerTyping = signal(false);
  const online = signal(Math.max(0, options.online | 0));
  const notice = signal<Notice | null>(null);
  const retryIn = signal(0);
  const session = signal(0);

  function send(frame: ClientFrame): void {
    const ws = socket;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  const typing = createTypingThrottle({
    clock,
    send: (on) => send({ type: "typing", on }),
  });

  const retry = createRetryTimer({
    clock,
    random,
    onCountdown(seconds) {
      retryIn.value = seconds;
    },
    onRetry: () => dispatch({ type: "retry" }),
  });

  function closeSocket(): void {
    const ws = socket;
    if (ws?.readyState === WebSocket.CONNECTING) {
      // Closing a socket that is still connecting logs an error in the
      // console; let it open and close quietly, and move on now.
      socket = null;
      ws.onmessage = ws.onclose = null;
      ws.onopen = () => ws.close(WS_CLOSE.normal);
      queueMicrotask(() => dispatch({ type: "close", code: WS_CLOSE.normal }));
    } else {
      ws?.close(WS_CLOSE.normal);
    }
  }

  function addLine(line: Line): void {
    const now = new Date(clock.now());
    lines.value = [...lines.value, {
      ...line,
      id: nextId++,
      iso: now.toISOString(),
      time: now.toLocaleTimeString(dict.lang, {
        hour: "2-digit",
        minute: "2-digit",
      }),
    }];
  }

  function run(effect: Effect): void {
    switch (effect.type) {
      case "openSocket":
        typing.reset();
        sending.value = false;
        session.value++;
        break;
      case "closeSocket":
        closeSocket();
        break;
      case "sendRequest":
        send({ type: "request" });
        break;
      case "clearLog":
        lines.value = [];
        draft.value = "";
        break;
      case "line":
        addLine(effect.line);
        break;
      case "lock":
        typing.set(false);
        sending.value = false;
        break;
      case "unlock":
        sending.value = false;
        break;
      case "notify":
        notify();
        break;
      case "focusInput":
        wantFocus = true;
        break;
      case "partnerTyping":
        clock.clearTimeout(typingHide);
        partnerTyping.value = effect.on;
        if (effect.on) {
          typingHide = clock.setTimeout(() => {
            partnerTyping.value = false;
          }, TYPING_HIDE_MS);
        }
        break;
      case "scheduleRetry":
        retry.schedule(openedAt);
        break;
      case "cancelRetry":
        retry.cancel();
        break;
      case "resetBackoff":
        retry.resetBackoff();
        break;
      case "notice":
        notice.value = effect.notice;
        break;
    }
  }

  function dispatch(event: ChatEvent): void {
    const next = transition(phase.peek(), event);
    if (!next) return;
    batch(() => {
      phase.value = next.phase;
      for (const effect of next.effects) run(effect);
    });
  }

  function onFrame(data: unknown): void {
    const event = parseServerFrame(data);
    if (!event) return;
    if (event.type === "online") online.value = event.count;
    else dispatch(event);
  }

  function onDraft(text: string): void {
    draft.value = text;
    typing.set(hasVisibleCharacter(text));
  }

  function submit(): void {
    const text = draft.peek().trim();
    // A line the server would refuse as empty is not sent: refusals are
    // answered at most once a second, and Send waits for an answer.
    if (!hasVisibleCharacter(text) || sending.peek()) return;
    if (phase.peek() !== "chat") return;
    typing.set(false);
    send({ type: "message", message: text });
    batch(() => {
      draft.value = "";
      sending.value = true;
    });
  }

  function onEscape(): void {
    const now = clock.now();
    if (now - lastEsc < ESC_TWICE_MS) {
      lastEsc = -Infinity;
      dispatch({ type: "end" });
    } else {
      lastEsc = now;
    }
  }

  function claimFocus(): boolean {
    const wanted = wantFocus;
    wantFocus = false;
    return wanted;
  }

  /** One socket per session: the effect's cleanup closes the previous one. */
  function openSocket(): (() => void) | undefined {
    if (session.value === 0) return;
    const ws = connect();
    socket = ws;
    openedAt = 0;
    ws.onopen = () => {
      openedAt = clock.now();
      dispatch({ type: "request" });
    };
    ws.onmessage = (e) => onFrame(e.data);
    ws.onclose = (e) => {
      if (socket === ws) socket = null;
      dispatch(closeEvent(e.code));
    };
    return () => {
      ws.onopen = ws.onmessage = ws.onclose = null;
      if (socket === ws) socket = null;
      if (ws.readyState === WebSocket.OPEN) ws.close(WS_CLOSE.normal);
      else if (ws.readyState === WebSocket.CONNECTING) {
        ws.onopen = () => ws.close(WS_CLOSE.normal);
      }
    };
  }

  function start(): () => void {
    const stopSocket = signalEffect(openSocket);
    return () => {
      stopSocket();
      retry.cancel();
      clock.clearTimeout(typingHide);
      typing.stop();
    };
  }

  return {
    dict,
    phase,
    lines,
    draft,
    sending,
    partnerTyping,
    online,
    notice,
    retryIn,
    session,
    ready: signal(false),
    screen: computed(() => {
      switch (phase.value) {
        case "idle":
          return "idle";
        case "chat":
        case "closed":
          return "conversation";
        default:
          return "wait";
      }
    }),
    onlineText: computed(() => dict.online(online.value)),
    waitLabel: computed(() =>
      phase.value === "reconnecting"
        ? dict.reconnecting(retryIn.value)
        : phase.value === "connecting"
        ? dict.connecting
        : dict.waiting
    ),
    dispatch,
    onFrame,
    onDraft,
    submit,
    onEscape,
    claimFocus,
    start,
  };
}
