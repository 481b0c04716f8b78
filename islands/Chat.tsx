/**
 * The chat client: the original widget's five screens and transitions
 * (driven by the pure table in `lib/ui/chat_machine.ts`), plus typing, the
 * live online count, Next, reconnecting with backoff, readable errors and
 * refusals, two languages switched in place, saving the conversation and
 * notifications.
 *
 * This island only wires things together: the state and the WebSocket live
 * in the store (`lib/ui/chat_store.ts`), the page's side (title, favicon,
 * keys, leaving) in `lib/ui/lifecycle.ts`, and the screens are plain
 * components in `components/chat/`.
 *
 * @module
 */

import { useMemo } from "preact/hooks";
import { ChatHeader } from "../components/chat/ChatHeader.tsx";
import { Conversation } from "../components/chat/Conversation.tsx";
import { IdleScreen } from "../components/chat/IdleScreen.tsx";
import { WaitScreen } from "../components/chat/WaitScreen.tsx";
import { createChatStore } from "../lib/ui/chat_store.ts";
import type { Lang } from "../lib/ui/i18n.ts";
import type { Site } from "../lib/site.ts";
import {
  type ChatPage,
  switchLanguage,
  useChatLifecycle,
  useCompact,
} from "../lib/ui/lifecycle.ts";
import { downloadTranscript } from "../lib/ui/transcript.ts";

/** Props of the chat island: plain JSON, serialized into the page. */
export interface ChatProps {
  /** UI language, chosen by the server. */
  lang: Lang;
  /** Visitors online when the page was rendered. */
  online: number;
  /** Path of the WebSocket endpoint.
   * @default {"/ws"} */
  wsPath?: string;
  /** Longest chat line the server accepts, in characters (`MAX_MESSAGE_LENGTH`). */
  maxMessageLength?: number;
  /** The site owner's name, logo and terms link (`SITE_NAME`…). */
  site?: Site;
}

/** The anonymous 1:1 chat: start, wait, talk, end, start again. */
export default function Chat(props: ChatProps) {
  const page = useMemo<ChatPage>(
    () => ({ notifier: null, attention: null }),
    [],
  );
  const store = useMemo(
    () =>
      createChatStore({
        lang: props.lang,
        online: props.online,
        wsPath: props.wsPath,
        maxMessageLength: props.maxMessageLength,
        notify(kind) {
          page.notifier?.flag();
          page.attention?.notify(kind, store.dict.peek());
        },
      }),
    [],
  );
  useChatLifecycle(store, page);
  const compact = useCompact();

  const { dispatch } = store;
  const dict = store.dict.value;
  const screen = store.screen.value;
  const phase = store.phase.value;
  // Screens shown after a visitor's action take focus; not on page load.
  const refocus = store.session.peek() > 0;
  const showOnline = screen !== "conversation" && phase !== "reconnecting" &&
    store.onlineLive.value;
  return (
    <div
      class="chat"
      data-phase={store.phase}
      data-ready={store.ready.value ? "" : undefined}
    >
      <ChatHeader
        dict={dict}
        site={props.site}
        onlineText={showOnline ? store.onlineText : null}
        alerts={store.ready.value ? page.attention?.enabled ?? null : null}
        onAlerts={() => page.attention?.toggle()}
        onSave={screen === "conversation"
          ? () => downloadTranscript(dict, store.lines.peek())
          : null}
        onLang={(lang) => switchLanguage(store, page, lang)}
      />
      {screen === "idle" && (
        <IdleScreen
          dict={dict}
          notice={store.notice.value}
          refocus={refocus}
          onStart={() => dispatch({ type: "open" })}
          termsUrl={props.site?.termsUrl}
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
          pending={store.pending}
          refusal={store.refusal}
          maxLength={store.maxLength}
          compact={compact}
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
