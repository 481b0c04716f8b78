/**
 * The chat client: the original widget's five screens and transitions
 * (driven by the pure table in `lib/ui/chat_machine.ts`), plus typing, the
 * online count, Next, reconnecting with backoff, readable errors and two
 * languages. Phase and conversation live in signals; the WebSocket lives in
 * a signal effect whose cleanup closes it.
 *
 * @module
 */

import {
  batch,
  computed,
  type ReadonlySignal,
  type Signal,
  signal,
  useSignalEffect,
} from "@preact/signals";
import { useEffect, useLayoutEffect, useMemo, useRef } from "preact/hooks";
import {
  type ChatEvent,
  closeEvent,
  type Effect,
  type Line,
  type Notice,
  parseServerFrame,
  type Phase,
  transition,
} from "../lib/ui/chat_machine.ts";
import {
  closeText,
  DICTIONARIES,
  type Dictionary,
  errorText,
  type Lang,
  LANGS,
} from "../lib/ui/i18n.ts";
import { backoffDelay, secondsLeft } from "../lib/ui/reconnect.ts";

/** Props of the chat island: plain JSON, serialized into the page. */
export interface ChatProps {
  /** UI language, chosen by the server. */
  lang: Lang;
  /** Visitors online when the page was rendered. */
  online: number;
  /** Path of the WebSocket endpoint.
   * @default {"/ws"} */
  wsPath?: string;
}

/** A line of the log as shown: the machine's line, stamped. */
type LogLine = Line & { id: number; time: string; iso: string };

/** Typing frames go out at most this often while the visitor types. */
const TYPING_EVERY_MS = 2000;
/** Without a fresh typing frame, the partner's indicator hides after this. */
const TYPING_HIDE_MS = 6000;
/** The visitor counts as stopped typing after this much silence. */
const TYPING_IDLE_MS = 5000;
/** Two Esc presses this close end the chat. */
const ESC_TWICE_MS = 1000;
/** A socket that stayed open this long resets the reconnect backoff. */
const STABLE_MS = 10_000;
/** The notifier's flash period, as in the original widget. */
const FLASH_MS = 1500;

interface ChatStore {
  dict: Dictionary;
  phase: Signal<Phase>;
  lines: Signal<LogLine[]>;
  draft: Signal<string>;
  sending: Signal<boolean>;
  partnerTyping: Signal<boolean>;
  online: Signal<number>;
  notice: Signal<Notice | null>;
  retryIn: Signal<number>;
  /** Bumped by `openSocket`; the socket effect opens one socket per value. */
  session: Signal<number>;
  ready: Signal<boolean>;
  /** Which screen the phase shows. */
  screen: ReadonlySignal<"idle" | "wait" | "conversation">;
  /** "N online", in the UI language. */
  onlineText: ReadonlySignal<string>;
  /** The wait screen's state label. */
  waitLabel: ReadonlySignal<string>;
  dispatch(event: ChatEvent): void;
  onFrame(data: unknown): void;
  onDraft(text: string): void;
  submit(): void;
  onEscape(): void;
  /** Set by the socket effect: the live socket, if any. */
  socket: WebSocket | null;
  /** When the last socket opened (ms since epoch), 0 if it never did. */
  openedAt: number;
  wantFocus: boolean;
  flagNotifier(): void;
  dispose(): void;
}

function createChatStore(props: ChatProps): ChatStore {
  const dict = DICTIONARIES[props.lang] ?? DICTIONARIES.en;
  let nextId = 1;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let countdown: ReturnType<typeof setInterval> | undefined;
  let typingHide: ReturnType<typeof setTimeout> | undefined;
  let typingIdle: ReturnType<typeof setTimeout> | undefined;
  let typingSentAt = 0;
  let typingOn = false;
  let lastEsc = 0;

  const phase = signal<Phase>("idle");
  const online = signal(Math.max(0, props.online | 0));
  const retryIn = signal(0);
  const store: ChatStore = {
    dict,
    phase,
    lines: signal<LogLine[]>([]),
    draft: signal(""),
    sending: signal(false),
    partnerTyping: signal(false),
    online,
    notice: signal<Notice | null>(null),
    retryIn,
    session: signal(0),
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
    socket: null,
    openedAt: 0,
    wantFocus: false,
    flagNotifier() {},
    dispatch,
    onFrame,
    onDraft,
    submit,
    onEscape,
    dispose,
  };

  function send(frame: unknown) {
    const ws = store.socket;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function setTyping(on: boolean) {
    clearTimeout(typingIdle);
    if (on) {
      typingIdle = setTimeout(() => setTyping(false), TYPING_IDLE_MS);
      if (Date.now() - typingSentAt < TYPING_EVERY_MS) return;
      typingSentAt = Date.now();
      typingOn = true;
      send({ type: "typing", on: true });
    } else if (typingOn) {
      // typingSentAt stays: "on" keeps its 2 s spacing across an "off", so
      // type-clear-type never exceeds the server's typing rate.
      typingOn = false;
      send({ type: "typing", on: false });
    }
  }

  function clearRetry() {
    clearTimeout(retryTimer);
    clearInterval(countdown);
    retryTimer = countdown = undefined;
    store.retryIn.value = 0;
  }

  function run(effect: Effect) {
    switch (effect.type) {
      case "openSocket":
        typingOn = false;
        store.sending.value = false;
        store.session.value++;
        break;
      case "closeSocket": {
        const ws = store.socket;
        if (ws?.readyState === WebSocket.CONNECTING) {
          // Closing a socket that is still connecting logs an error in the
          // console; let it open and close quietly, and move on now.
          store.socket = null;
          ws.onmessage = ws.onclose = null;
          ws.onopen = () => ws.close(1000);
          queueMicrotask(() => dispatch({ type: "close", code: 1000 }));
        } else {
          ws?.close(1000);
        }
        break;
      }
      case "sendRequest":
        send({ type: "request" });
        break;
      case "clearLog":
        store.lines.value = [];
        store.draft.value = "";
        break;
      case "line": {
        const now = new Date();
        store.lines.value = [...store.lines.value, {
          ...effect.line,
          id: nextId++,
          iso: now.toISOString(),
          time: now.toLocaleTimeString(dict.lang, {
            hour: "2-digit",
            minute: "2-digit",
          }),
        }];
        break;
      }
      case "lock":
        setTyping(false);
        store.sending.value = false;
        break;
      case "unlock":
        store.sending.value = false;
        break;
      case "notify":
        store.flagNotifier();
        break;
      case "focusInput":
        store.wantFocus = true;
        break;
      case "partnerTyping":
        clearTimeout(typingHide);
        store.partnerTyping.value = effect.on;
        if (effect.on) {
          typingHide = setTimeout(() => {
            store.partnerTyping.value = false;
          }, TYPING_HIDE_MS);
        }
        break;
      case "scheduleRetry": {
        clearRetry();
        if (store.openedAt && Date.now() - store.openedAt > STABLE_MS) {
          attempt = 0;
        }
        const deadline = Date.now() + backoffDelay(attempt++);
        const tick = () => {
          store.retryIn.value = secondsLeft(deadline, Date.now());
        };
        tick();
        countdown = setInterval(tick, 250);
        retryTimer = setTimeout(() => {
          clearRetry();
          dispatch({ type: "retry" });
        }, deadline - Date.now());
        break;
      }
      case "cancelRetry":
        clearRetry();
        break;
      case "resetBackoff":
        attempt = 0;
        break;
      case "notice":
        store.notice.value = effect.notice;
        break;
    }
  }

  function dispatch(event: ChatEvent) {
    const next = transition(store.phase.peek(), event);
    if (!next) return;
    batch(() => {
      store.phase.value = next.phase;
      for (const effect of next.effects) run(effect);
    });
  }

  function onFrame(data: unknown) {
    const event = parseServerFrame(data);
    if (!event) return;
    if (event.type === "online") store.online.value = event.count;
    else dispatch(event);
  }

  function onDraft(text: string) {
    store.draft.value = text;
    setTyping(text.trim() !== "");
  }

  function submit() {
    const text = store.draft.peek().trim();
    if (!text || store.sending.peek() || store.phase.peek() !== "chat") return;
    setTyping(false);
    send({ type: "message", message: text });
    batch(() => {
      store.draft.value = "";
      store.sending.value = true;
    });
  }

  function onEscape() {
    const now = Date.now();
    if (now - lastEsc < ESC_TWICE_MS) {
      lastEsc = 0;
      dispatch({ type: "end" });
    } else {
      lastEsc = now;
    }
  }

  function dispose() {
    clearRetry();
    clearTimeout(typingHide);
    clearTimeout(typingIdle);
  }

  return store;
}

function socketUrl(path: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}

/**
 * Flashes the title while the page is hidden or unfocused and something
 * arrived, until focus returns; then restores the original title.
 */
function startNotifier(text: string): { flag(): void; stop(): void } {
  const original = document.title;
  let pending = false;
  let active = document.visibilityState === "visible" && document.hasFocus();
  let restore: ReturnType<typeof setTimeout> | undefined;
  const reset = () => {
    pending = false;
    clearTimeout(restore);
    document.title = original;
  };
  const flash = () => {
    if (!pending || active) return;
    document.title = text;
    restore = setTimeout(() => document.title = original, FLASH_MS / 2);
  };
  const timer = setInterval(flash, FLASH_MS);
  const onBlur = () => active = false;
  const onFocus = () => {
    active = true;
    reset();
  };
  const onVisibility = () => {
    if (document.visibilityState === "hidden") active = false;
    else if (document.hasFocus()) onFocus();
  };
  addEventListener("blur", onBlur);
  addEventListener("focus", onFocus);
  document.addEventListener("visibilitychange", onVisibility);
  return {
    flag() {
      if (active) return;
      const first = !pending;
      pending = true;
      if (first) flash();
    },
    stop() {
      clearInterval(timer);
      removeEventListener("blur", onBlur);
      removeEventListener("focus", onFocus);
      document.removeEventListener("visibilitychange", onVisibility);
      reset();
    },
  };
}

/** The anonymous 1:1 chat: start, wait, talk, end, start again. */
export default function Chat(props: ChatProps) {
  const store = useMemo(() => createChatStore(props), []);
  const { phase, dict } = store;

  useSignalEffect(() => {
    const session = store.session.value;
    if (session === 0) return;
    const ws = new WebSocket(socketUrl(props.wsPath ?? "/ws"));
    store.socket = ws;
    store.openedAt = 0;
    ws.onopen = () => {
      store.openedAt = Date.now();
      store.dispatch({ type: "request" });
    };
    ws.onmessage = (e) => store.onFrame(e.data);
    ws.onclose = (e) => {
      if (store.socket === ws) store.socket = null;
      store.dispatch(closeEvent(e.code));
    };
    return () => {
      ws.onopen = ws.onmessage = ws.onclose = null;
      if (store.socket === ws) store.socket = null;
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else if (ws.readyState === WebSocket.CONNECTING) {
        ws.onopen = () => ws.close(1000);
      }
    };
  });

  useEffect(() => {
    const notifier = startNotifier(dict.notifier);
    store.flagNotifier = notifier.flag;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && store.phase.peek() === "chat") {
        store.onEscape();
      }
    };
    document.addEventListener("keydown", onKey);
    store.ready.value = true;
    return () => {
      document.removeEventListener("keydown", onKey);
      notifier.stop();
      store.dispose();
    };
  }, []);

  const screen = store.screen.value;
  return (
    <div
      class="chat"
      data-phase={phase}
      data-ready={store.ready.value ? "" : undefined}
    >
      <header class="bar">
        <span class="brand">
          <span class="logo" aria-hidden="true" />
          {dict.appName}
        </span>
        {screen !== "conversation" && (
          <span class="online">
            <span class="dot" aria-hidden="true" />
            {store.onlineText}
          </span>
        )}
        <nav class="langs" aria-label={dict.switchLanguage}>
          {LANGS.map((lang) => (
            <a
              key={lang}
              href={`?lang=${lang}`}
              hrefLang={lang}
              lang={lang}
              title={DICTIONARIES[lang].name}
              aria-current={lang === dict.lang ? "true" : undefined}
            >
              {lang.toUpperCase()}
            </a>
          ))}
        </nav>
      </header>
      {screen === "idle" && <IdleScreen store={store} />}
      {screen === "wait" && <WaitScreen store={store} />}
      {screen === "conversation" && <Conversation store={store} />}
    </div>
  );
}

interface ScreenProps {
  store: ChatStore;
}

function noticeText(dict: Dictionary, notice: Notice): string {
  return notice.kind === "close"
    ? closeText(dict, notice.code)
    : errorText(dict, notice.code);
}

/**
 * Moves focus to `ref` when a screen appears after a visitor's action and
 * the element that had focus went away with the previous screen, so that
 * keyboard users never land on `<body>`. Not on the first render: the page
 * just loaded and the reader should start at the top.
 */
function useFocusOnShow(
  store: ChatStore,
  ref: { current: HTMLElement | null },
): void {
  useEffect(() => {
    const active = document.activeElement;
    const lost = !active || active === document.body;
    if (store.session.peek() > 0 && lost) ref.current?.focus();
  }, []);
}

function IdleScreen({ store }: ScreenProps) {
  const { dict } = store;
  const notice = store.notice.value;
  const startRef = useRef<HTMLButtonElement>(null);
  useFocusOnShow(store, startRef);
  return (
    <section class="screen idle">
      <h1>{dict.welcomeTitle}</h1>
      {dict.welcome.map((text, i) => <p key={i}>{text}</p>)}
      {notice && <p class="notice" role="alert">{noticeText(dict, notice)}</p>}
      <button
        ref={startRef}
        type="button"
        class="button primary large"
        onClick={() => store.dispatch({ type: "open" })}
      >
        {notice ? dict.tryAgain : dict.start}
      </button>
    </section>
  );
}

function WaitScreen({ store }: ScreenProps) {
  const { dict } = store;
  const current = store.phase.value;
  const notice = store.notice.value;
  const reconnecting = current === "reconnecting";
  const sectionRef = useRef<HTMLElement>(null);
  useFocusOnShow(store, sectionRef);
  return (
    <section ref={sectionRef} class="screen wait" tabIndex={-1}>
      <span class="spinner large" aria-hidden="true" />
      <h2>{dict.pleaseWait}</h2>
      <p class="state" role="status">{store.waitLabel}</p>
      {notice && <p class="notice" role="alert">{noticeText(dict, notice)}</p>}
      <div class="actions">
        {reconnecting && (
          <button
            type="button"
            class="button primary"
            onClick={() => store.dispatch({ type: "open" })}
          >
            {dict.retryNow}
          </button>
        )}
        <button
          type="button"
          class="button"
          onClick={() =>
            store.dispatch({ type: reconnecting ? "cancel" : "end" })}
        >
          {dict.cancel}
        </button>
      </div>
    </section>
  );
}

function lineText(dict: Dictionary, line: LogLine): string {
  switch (line.kind) {
    case "me":
    case "guest":
      return line.text;
    case "system":
      return dict[line.key];
    case "close":
      return closeText(dict, line.code);
    case "error":
      return errorText(dict, line.code);
  }
}

function Conversation({ store }: ScreenProps) {
  const { dict } = store;
  const logRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const stick = useRef(true);
  const againRef = useRef<HTMLButtonElement>(null);
  const lines = store.lines.value;
  const closed = store.phase.value === "closed";
  const sending = store.sending.value;
  const typing = store.partnerTyping.value && !closed;

  useLayoutEffect(() => {
    const log = logRef.current;
    if (log && stick.current) log.scrollTop = log.scrollHeight;
    if (store.wantFocus && inputRef.current && !sending) {
      store.wantFocus = false;
      inputRef.current.focus();
    }
    const active = document.activeElement;
    if (closed && (!active || active === document.body)) {
      againRef.current?.focus();
    }
  });

  return (
    <section class="conversation">
      <div
        ref={logRef}
        class="log"
        role="log"
        aria-live="polite"
        aria-label={dict.logLabel}
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
        }}
      >
        {lines.map((line) => <LogItem key={line.id} dict={dict} line={line} />)}
      </div>
      <p class="typing" aria-live="polite">
        {typing && (
          <>
            <span class="dots" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
            {dict.typing}
          </>
        )}
      </p>
      {closed
        ? (
          <div class="ended">
            <p>{dict.ended}</p>
            <button
              ref={againRef}
              type="button"
              class="button primary"
              onClick={() => store.dispatch({ type: "open" })}
            >
              {dict.startAgain}
            </button>
          </div>
        )
        : (
          <form
            class="composer"
            aria-busy={sending ? "true" : undefined}
            onSubmit={(e) => {
              e.preventDefault();
              store.submit();
            }}
          >
            <div class="compose-row">
              <textarea
                ref={inputRef}
                rows={2}
                required
                readOnly={sending}
                aria-label={dict.messageLabel}
                placeholder={dict.placeholder}
                value={store.draft.value}
                onInput={(e) => store.onDraft(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                    e.preventDefault();
                    store.submit();
                  }
                }}
              />
              <button
                type="submit"
                class="button primary send"
                disabled={sending}
                aria-busy={sending ? "true" : undefined}
              >
                {sending && <span class="spinner" aria-hidden="true" />}
                <span class="label">{dict.send}</span>
              </button>
            </div>
            <div class="compose-actions">
              <span class="hint">{dict.escHint}</span>
              <button
                type="button"
                class="button"
                onClick={() => store.dispatch({ type: "next" })}
              >
                {dict.next}
              </button>
              <button
                type="button"
                class="button danger"
                onClick={() => store.dispatch({ type: "end" })}
              >
                {dict.end}
              </button>
            </div>
          </form>
        )}
    </section>
  );
}

function LogItem({ dict, line }: { dict: Dictionary; line: LogLine }) {
  const text = lineText(dict, line);
  if (line.kind !== "me" && line.kind !== "guest") {
    return (
      <div class={`line system ${line.kind}`}>
        <p class="text">{text}</p>
      </div>
    );
  }
  return (
    <div class={`line ${line.kind}`}>
      <div class="bubble">
        <span class="who">{line.kind === "me" ? dict.me : dict.guest}</span>
        <p class="text">{text}</p>
        <time dateTime={line.iso}>{line.time}</time>
      </div>
    </div>
  );
}
