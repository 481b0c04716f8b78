/**
 * The chat client's store, browser code: the signals the chat screens read
 * (phase, conversation, draft, online count, notices, language) and the
 * effects the pure table in `chat_machine.ts` asks for: the connection
 * (`chat_link.ts`: presence, chat socket, admission), reconnecting with
 * backoff (`retry_timer.ts`), the typing throttle (`typing.ts`) and our own
 * lines, pending until the server's echo (`outbox.ts`); resuming a chat
 * after a network blip (`resume_store.ts`); and the safety state
 * (`safety_store.ts`: the bot check, Report).
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
  type ReadonlySignal,
  type Signal,
  signal,
} from "@preact/signals";
import { hasVisibleCharacter, type RequestFrame } from "../ws/protocol.ts";
import { checkAdmission } from "./admission.ts";
import { createChatLink } from "./chat_link.ts";
import { createChatLog, type LogLine } from "./chat_log.ts";
import {
  type ChatEvent,
  type Effect,
  type Notice,
  type Phase,
  transition,
} from "./chat_machine.ts";
import type { ChatStoreOptions } from "./chat_store_options.ts";
import { openChatSocket } from "./chat_socket.ts";
import { SYSTEM_CLOCK, type TimerId } from "./clock.ts";
import { escapeHandler } from "./escape.ts";
import { DICTIONARIES, type Dictionary, type Lang } from "./i18n.ts";
import { reportFrame, type ReportReason } from "./report.ts";
import { createResumeStore, statusText } from "./resume_store.ts";
import { createRetryTimer } from "./retry_timer.ts";
import { createSafetyStore, type SafetyStore } from "./safety_store.ts";
import { type Screen, SCREENS, waitText } from "./screens.ts";
import { parseServerFrame } from "./server_frame.ts";
import { createTypingThrottle } from "./typing.ts";

/** Without a fresh typing frame, the partner's indicator hides after this. */
export const TYPING_HIDE_MS = 6000;
export { ESC_TWICE_MS } from "./escape.ts";

export type { ChatStoreOptions } from "./chat_store_options.ts";
export type { LogLine } from "./chat_log.ts";
export type { Screen } from "./screens.ts";

/** The chat's state as signals, and the actions that change it. */
export interface ChatStore {
  /** Texts in the UI language; {@linkcode ChatStore.setLang} switches it. */
  dict: ReadonlySignal<Dictionary>;
  /** Where the chat is; changed only by {@linkcode ChatStore.dispatch}. */
  phase: ReadonlySignal<Phase>;
  /** The conversation. */
  lines: ReadonlySignal<LogLine[]>;
  /** What the visitor is typing. */
  draft: ReadonlySignal<string>;
  /** Our lines whose echo has not come back yet. */
  pending: ReadonlySignal<number>;
  /** The error code that sent our last line back into the box, if any. */
  refusal: ReadonlySignal<string | null>;
  /** Longest line the server takes. */
  maxLength: number;
  /** The partner is typing. */
  partnerTyping: ReadonlySignal<boolean>;
  /** Visitors online. */
  online: ReadonlySignal<number>;
  /** Whether the count is live (false once its socket dropped). */
  onlineLive: ReadonlySignal<boolean>;
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
  /** The conversation's connection status line; "" when all is well. */
  linkStatus: ReadonlySignal<string>;
  /** The bot check and Report. */
  safety: SafetyStore;
  /** Reports this chat's (or the last chat's) stranger. */
  report(reason: ReportReason, note: string): void;
  /** Feeds one event to the machine and runs the effects it asks for. */
  dispatch(event: ChatEvent): void;
  /** Handles one frame from the server. */
  onFrame(data: unknown): void;
  /** The visitor edited the draft. */
  onDraft(text: string): void;
  /** Sends the draft; it shows at once as pending. */
  submit(): void;
  /** Esc: cancels waiting; twice in a row ends a chat. */
  onEscape(): void;
  /** Switches the UI language in place. */
  setLang(lang: Lang): void;
  /** Whether the message box should take focus now; true once per request. */
  claimFocus(): boolean;
  /**
   * Starts the socket effect. Returns the function that stops it: closes
   * the socket and clears every timer.
   */
  start(): () => void;
}

/** Creates the chat store; nothing connects before `start()`. */
export function createChatStore(options: ChatStoreOptions): ChatStore {
  const wsPath = options.wsPath ?? "/ws";
  const connect = options.connect ?? (() => openChatSocket(wsPath));
  const clock = options.clock ?? SYSTEM_CLOCK;
  const random = options.random ?? Math.random;
  const notify = options.notify ?? (() => {});
  const maxLength = options.maxMessageLength ?? 2000;
  const request: () => RequestFrame = options.request ??
    (() => ({ type: "request" }));
  const probe = options.probe === undefined
    ? () => checkAdmission(`${wsPath}/admission`)
    : options.probe;

  let typingHide: TimerId;
  let wantFocus = false;
  /** Our last request named interests: its response says what is shared. */
  let asked = false;

  const dict = signal(DICTIONARIES[options.lang] ?? DICTIONARIES.en);
  const phase = signal<Phase>("idle");
  const log = createChatLog(clock, dict);
  const partnerTyping = signal(false);
  const online = signal(Math.max(0, options.online | 0));
  const onlineLive = signal(true);
  const notice = signal<Notice | null>(null);
  const retryIn = signal(0);
  const session = signal(0);

  const token = options.token ?? (() => "");

  const link = createChatLink({
    connect,
    clock,
    random,
    presence: options.presence ?? true,
    probe,
    onFrame,
    onChatOpen: () => dispatch({ type: "request" }),
    onChatClose(event) {
      dispatch(resume.closed(event, phase.peek()));
      // A chat ended by an error frame (resume_failed) before its socket
      // closed: the presence socket can open now.
      if (phase.peek() === "idle" || phase.peek() === "closed") link.idle();
    },
    onPresence(live) {
      onlineLive.value = live;
    },
  });

  const safety = createSafetyStore({
    connect,
    clock,
    send: (frame) => link.send(frame),
  });

  const resume = createResumeStore({
    clock,
    random,
    send: (frame) => link.send(frame),
    reopen: () => link.openChat(),
    log,
    dispatch,
  });

  const typing = createTypingThrottle({
    clock,
    send: (on) => link.send({ type: "typing", on }),
  });

  const retry = createRetryTimer({
    clock,
    random,
    onCountdown(seconds) {
      retryIn.value = seconds;
    },
    onRetry: () => dispatch({ type: "retry" }),
  });

  function run(effect: Effect): void {
    switch (effect.type) {
      case "openSocket":
        typing.reset();
        log.reset(false);
        session.value++;
        link.openChat();
        break;
      case "closeSocket":
        link.close();
        break;
      case "sendRequest": {
        // Asks for a resume token: a drop need not end the chat.
        const frame = { ...request(), resume: true as const };
        asked = (frame.interests?.length ?? 0) > 0;
        link.send(effect.pow ? { ...frame, pow: effect.pow } : frame);
        break;
      }
      case "send":
        link.send(effect.frame);
        break;
      case "clearLog":
        log.reset(true);
        break;
      case "line":
        log.add(effect.line);
        break;
      case "lock":
        typing.set(false);
        log.abandon();
        break;
      case "unlock":
        break;
      case "confirm":
        log.confirm(effect.text, effect.seq);
        break;
      case "refuse":
        log.refuse(effect.code);
        break;
      case "notify":
        notify(effect.kind);
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
        retry.schedule(link.openedAt, effect.delay);
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
      case "check":
      case "report":
      case "reported":
      case "reportFailed":
        safety.run(effect);
        break;
      default:
        resume.run(effect);
    }
  }

  function dispatch(event: ChatEvent): void {
    const from = phase.peek();
    const next = transition(from, event);
    if (!next) return;
    batch(() => {
      phase.value = next.phase;
      for (const effect of next.effects) run(effect);
      safety.moved(from, next.phase);
      resume.moved(from, next.phase);
    });
    if (next.phase === "idle" || next.phase === "closed") link.idle();
  }

  function onFrame(data: unknown): void {
    const parsed = parseServerFrame(data);
    const event = parsed?.type === "online"
      ? parsed
      : parsed && resume.received(parsed);
    if (!event) return;
    if (event.type === "online") {
      batch(() => {
        online.value = event.count;
        onlineLive.value = true;
      });
    } else if (
      event.type === "error" && event.code === "unavailable" &&
      safety.report.peek() === "sending"
    ) {
      // A server that takes no reports says so this way.
      dispatch({ type: "reportFailed", code: event.code });
    } else dispatch(event.type === "response" ? { ...event, asked } : event);
  }

  function onDraft(text: string): void {
    log.setDraft(text);
    typing.set(hasVisibleCharacter(text));
  }

  function submit(): void {
    const text = log.draft.peek().trim();
    // A line the server would refuse as empty is not sent: refusals are
    // answered at most once a second.
    const now = phase.peek();
    if (!hasVisibleCharacter(text) || (now !== "chat" && now !== "resuming")) {
      return;
    }
    if (text.length > maxLength) return log.refuseDraft("message_too_long");
    typing.sent();
    const seq = resume.nextSeq();
    // While resuming the line waits, pending, and goes once back in.
    if (now === "chat") link.send({ type: "message", message: text, seq });
    log.sent(text, seq);
  }

  function report(reason: ReportReason, note: string): void {
    const lines = log.lines.peek();
    const frame = reportFrame(lines, { reason, note, token: token() });
    dispatch({ type: "report", frame });
  }

  function claimFocus(): boolean {
    const wanted = wantFocus;
    wantFocus = false;
    return wanted;
  }

  function start(): () => void {
    const stopLink = link.start();
    const stopResume = resume.start();
    link.idle();
    return () => {
      stopResume();
      stopLink();
      retry.cancel();
      clock.clearTimeout(typingHide);
      typing.stop();
    };
  }

  return {
    dict,
    phase,
    lines: log.lines,
    draft: log.draft,
    pending: log.pending,
    refusal: log.refusal,
    maxLength,
    partnerTyping,
    online,
    onlineLive,
    notice,
    retryIn,
    session,
    ready: signal(false),
    screen: computed(() => SCREENS[phase.value]),
    onlineText: computed(() => dict.value.online(online.value)),
    waitLabel: computed(() =>
      waitText(dict.value, {
        phase: phase.value,
        notice: notice.value,
        retryIn: retryIn.value,
      })
    ),
    linkStatus: computed(() =>
      statusText(dict.value, phase.value, resume.partnerStatus.value)
    ),
    safety,
    report,
    dispatch,
    onFrame,
    onDraft,
    submit,
    onEscape: escapeHandler(clock, { phase: () => phase.peek(), dispatch }),
    setLang(lang) {
      dict.value = DICTIONARIES[lang] ?? DICTIONARIES.en;
    },
    claimFocus,
    start,
  };
}
