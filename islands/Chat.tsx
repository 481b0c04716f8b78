/**
 * The chat client: the original widget's five screens and transitions
 * (driven by the pure table in `lib/ui/chat_machine.ts`), plus typing, the
 * online count, Next, reconnecting with backoff, readable errors and two
 * languages.
 *
 * This island only wires things together: the state and the WebSocket live
 * in the store (`lib/ui/chat_store.ts`), the title flashing in
 * `lib/ui/title_notifier.ts`, and the screens are plain components in
 * `components/chat/`.
 *
 * @module
 */

import { useEffect, useMemo, useRef } from "preact/hooks";
import { ChatHeader } from "../components/chat/ChatHeader.tsx";
import { Conversation } from "../components/chat/Conversation.tsx";
import { IdleScreen } from "../components/chat/IdleScreen.tsx";
import { WaitScreen } from "../components/chat/WaitScreen.tsx";
import { type ChatStore, createChatStore } from "../lib/ui/chat_store.ts";
import type { Lang } from "../lib/ui/i18n.ts";
import {
  startTitleNotifier,
  type TitleNotifier,
} from "../lib/ui/title_notifier.ts";

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

/**
 * Runs the browser side of the chat while the island is mounted: the socket
 * effect, the title notifier and Esc twice; marks the island ready.
 */
function useChatLifecycle(
  store: ChatStore,
  notifier: { current: TitleNotifier | null },
): void {
  useEffect(() => {
    const stop = store.start();
    notifier.current = startTitleNotifier(store.dict.notifier);
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && store.phase.peek() === "chat") {
        store.onEscape();
      }
    };
    document.addEventListener("keydown", onKey);
    store.ready.value = true;
    return () => {
      document.removeEventListener("keydown", onKey);
      notifier.current?.stop();
      notifier.current = null;
      stop();
    };
  }, []);
}

/** The anonymous 1:1 chat: start, wait, talk, end, start again. */
export default function Chat(props: ChatProps) {
  const notifier = useRef<TitleNotifier | null>(null);
  const store = useMemo(
    () =>
      createChatStore({
        lang: props.lang,
        online: props.online,
        wsPath: props.wsPath,
        notify: () => notifier.current?.flag(),
      }),
    [],
  );
  useChatLifecycle(store, notifier);

  const { dict, dispatch } = store;
  const screen = store.screen.value;
  const phase = store.phase.value;
  // Screens shown after a visitor's action take focus; not on page load.
  const refocus = store.session.peek() > 0;
  return (
    <div
      class="chat"
      data-phase={store.phase}
      data-ready={store.ready.value ? "" : undefined}
    >
      <ChatHeader
        dict={dict}
        onlineText={screen === "conversation" ? null : store.onlineText}
      />
      {screen === "idle" && (
        <IdleScreen
          dict={dict}
          notice={store.notice.value}
          refocus={refocus}
          onStart={() => dispatch({ type: "open" })}
        />
      )}
      {screen === "wait" && (
        <WaitScreen
          dict={dict}
          label={store.waitLabel}
          notice={store.notice.value}
          reconnecting={phase === "reconnecting"}
          refocus={refocus}
          onRetry={() => dispatch({ type: "open" })}
          onCancel={() =>
            dispatch({ type: phase === "reconnecting" ? "cancel" : "end" })}
        />
      )}
      {screen === "conversation" && (
        <Conversation
          dict={dict}
          lines={store.lines}
          partnerTyping={store.partnerTyping}
          closed={phase === "closed"}
          draft={store.draft}
          sending={store.sending}
          claimFocus={store.claimFocus}
          onDraft={store.onDraft}
          onSubmit={store.submit}
          onNext={() => dispatch({ type: "next" })}
          onEnd={() => dispatch({ type: "end" })}
          onStartAgain={() => dispatch({ type: "open" })}
        />
      )}
    </div>
  );
}
