/**
 * The chat client: the original widget's five screens and transitions
 * (driven by the pure table in `lib/ui/chat_machine.ts`), plus typing, the
 * live online count, Next, reconnecting with backoff, readable errors and
 * refusals, two languages switched in place, saving the conversation and
 * notifications; a chat that survives a network blip (resumed, with a
 * status line for either side's dropped connection); matching by
 * interests (chips remembered in the browser, interests only, what both
 * like) and Block; safety: Report (during a chat and just after), the ban
 * screen, lines held back by the early-link filter, the bot check, and the
 * age and terms gate.
 *
 * This island only wires things together: the state and the WebSocket live
 * in the store (`lib/ui/chat_store.ts`), the page's side (title, favicon,
 * keys, leaving) in `lib/ui/lifecycle.ts`, the visitor's choices in
 * `lib/ui/preferences.ts`, the wait for a shared interest in
 * `lib/ui/interest_wait.ts`, the age gate in `lib/ui/age_gate.ts`, and the
 * screens are plain components in `components/chat/`.
 *
 * @module
 */

import { useComputed } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { BanScreen } from "../components/chat/BanScreen.tsx";
import { ChatHeader } from "../components/chat/ChatHeader.tsx";
import { Conversation } from "../components/chat/Conversation.tsx";
import { IdleScreen } from "../components/chat/IdleScreen.tsx";
import { InterestsField } from "../components/chat/InterestsField.tsx";
import { ReportDialog } from "../components/chat/ReportDialog.tsx";
import { WaitScreen } from "../components/chat/WaitScreen.tsx";
import { createAgeGate } from "../lib/ui/age_gate.ts";
import { pageStorage } from "../lib/ui/browser_token.ts";
import { createChatStore } from "../lib/ui/chat_store.ts";
import { SYSTEM_CLOCK } from "../lib/ui/clock.ts";
import type { Lang } from "../lib/ui/i18n.ts";
import type { Site } from "../lib/site.ts";
import {
  type ChatPage,
  switchLanguage,
  useChatLifecycle,
  useCompact,
} from "../lib/ui/lifecycle.ts";
import {
  createInterestWait,
  interestWaitText,
} from "../lib/ui/interest_wait.ts";
import { createPreferences } from "../lib/ui/preferences.ts";
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
  /** Seconds the server looks only for a shared interest (`MATCH_FALLBACK`).
   * @default {10} */
  matchFallback?: number;
  /** Ask for "18 or older, accepts the terms" before Start (`AGE_GATE`).
   * @default {false} */
  ageGate?: boolean;
}

/** The anonymous 1:1 chat: start, wait, talk, end, start again. */
export default function Chat(props: ChatProps) {
  const page = useMemo<ChatPage>(
    () => ({ notifier: null, attention: null }),
    [],
  );
  const prefs = useMemo(createPreferences, []);
  const gate = useMemo(createAgeGate, []);
  const store = useMemo(
    () =>
      createChatStore({
        lang: props.lang,
        online: props.online,
        wsPath: props.wsPath,
        maxMessageLength: props.maxMessageLength,
        request: () => prefs.request(document.documentElement.lang),
        token: () => prefs.token.peek(),
        notify(kind) {
          page.notifier?.flag();
          page.attention?.notify(kind, store.dict.peek());
        },
      }),
    [],
  );
  const wait = useMemo(
    () =>
      createInterestWait({
        phase: store.phase,
        interests: prefs.interests,
        strict: prefs.strict,
        seconds: props.matchFallback ?? 10,
        clock: SYSTEM_CLOCK,
      }),
    [],
  );
  // Before the lifecycle marks the page ready: the remembered chips show
  // in the same render.
  useEffect(() => {
    const stopSaving = prefs.load(pageStorage());
    gate.load(pageStorage());
    const stopWait = wait.start();
    return () => {
      stopWait();
      stopSaving();
    };
  }, []);
  useChatLifecycle(store, page);
  const { safety } = store;
  const waitLabel = useComputed(() =>
    safety.check.value ? store.dict.value.checkingBot : interestWaitText(
      wait.mode.value,
      store.dict.value,
      store.waitLabel.value,
    )
  );
  const blocked = useComputed(() =>
    store.lines.value.some((l) => l.kind === "system" && l.key === "blocked")
  );
  const compact = useCompact();

  const { dispatch } = store;
  const dict = store.dict.value;
  const screen = store.screen.value;
  const phase = store.phase.value;
  // Screens shown after a visitor's action take focus; not on page load.
  const refocus = store.session.peek() > 0;
  const showOnline = screen !== "conversation" && phase !== "reconnecting" &&
    store.onlineLive.value;
  const notice = store.notice.value;
  const reported = safety.report.value === "sent";
  const onReport = () => safety.showDialog(true);
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
        onReport={phase === "chat" && !reported ? onReport : null}
        onLang={(lang) => switchLanguage(store, page, lang)}
      />
      {screen === "idle" && notice?.kind === "banned" && (
        <BanScreen
          dict={dict}
          reason={notice.reason}
          onBack={() => dispatch({ type: "dismiss" })}
        />
      )}
      {screen === "idle" && notice?.kind !== "banned" && (
        <IdleScreen
          dict={dict}
          notice={notice}
          refocus={refocus}
          onStart={() => {
            prefs.commit();
            dispatch({ type: "open" });
          }}
          termsUrl={props.site?.termsUrl}
          gate={props.ageGate
            ? { accepted: gate.accepted.value, onChange: gate.set }
            : null}
        >
          <InterestsField dict={dict} prefs={prefs} />
        </IdleScreen>
      )}
      {screen === "wait" && (
        <WaitScreen
          dict={dict}
          label={waitLabel}
          notice={notice}
          reconnecting={phase === "reconnecting"}
          refocus={refocus}
          onRetry={() => dispatch({ type: "open" })}
          onWiden={wait.mode.value === "nobody"
            ? () => {
              wait.widened();
              dispatch({ type: "widen" });
            }
            : null}
          onCancel={() =>
            dispatch({ type: phase === "reconnecting" ? "cancel" : "end" })}
          check={safety.check.value}
          onSolved={(payload) => dispatch({ type: "solved", payload })}
        />
      )}
      {screen === "conversation" && (
        <Conversation
          dict={dict}
          lines={store.lines}
          partnerTyping={store.partnerTyping}
          status={store.linkStatus}
          closed={phase === "closed"}
          blocked={blocked.value}
          reported={reported}
          onReport={phase === "closed" && !reported ? onReport : null}
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
          onBlock={() => dispatch(prefs.block())}
          onStartAgain={() => dispatch({ type: "open" })}
        />
      )}
      {screen === "conversation" && (
        <ReportDialog
          dict={dict}
          open={safety.dialog.value}
          status={safety.report.value}
          error={safety.reportError.value}
          onSend={store.report}
          onClose={() => safety.showDialog(false)}
        />
      )}
    </div>
  );
}
