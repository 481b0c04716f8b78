/**
 * The texts of resuming a chat after a network blip, in English and
 * Russian: part of every dictionary of `i18n.ts`, kept here so that each
 * file stays short.
 *
 * @module
 */

import { CLOSE } from "../ws/protocol.ts";

/** The texts of resuming, in one language. */
export interface ResumeTexts {
  /** The status line while our connection is being restored. */
  reconnectingChat: string;
  /** The status line while the partner's connection is down. */
  partnerAway: string;
  /** The status line once the partner got back in. */
  partnerBack: string;
  /** The chat's last line when we could not get back in time. */
  resumeGaveUp: string;
}

/** The texts of resuming, in English. */
export const RESUME_EN: ResumeTexts = {
  reconnectingChat: "Connection lost, reconnecting…",
  partnerAway: "Stranger’s connection dropped, waiting…",
  partnerBack: "Stranger is back",
  resumeGaveUp: "Connection lost: could not reconnect in time.",
};

/** The texts of resuming, in Russian. */
export const RESUME_RU: ResumeTexts = {
  reconnectingChat: "Соединение потеряно, переподключение…",
  partnerAway: "У собеседника пропала связь, ждём…",
  partnerBack: "Собеседник вернулся",
  resumeGaveUp: "Соединение потеряно: не удалось вовремя переподключиться.",
};

const FAILED_EN = "Connection lost: the chat could not be resumed.";
const FAILED_RU = "Соединение потеряно: продолжить разговор не удалось.";

/** The resume error codes' texts of `Dictionary.errors`, in English. */
export const RESUME_ERRORS_EN: Record<string, string> = {
  resume_failed: FAILED_EN,
};

/** The resume error codes' texts of `Dictionary.errors`, in Russian. */
export const RESUME_ERRORS_RU: Record<string, string> = {
  resume_failed: FAILED_RU,
};

/** The resume close codes' texts of `Dictionary.closes`, in English. */
export const RESUME_CLOSES_EN: Record<number, string> = {
  [CLOSE.resumeFailed.code]: FAILED_EN,
  [CLOSE.partnerTimeout.code]: "Stranger did not come back.",
  [CLOSE.partnerOverflow.code]: "Stranger was away too long.",
  [CLOSE.resumedElsewhere.code]: "This chat went on in another connection.",
  [CLOSE.restart.code]: "The server is restarting.",
};

/** The resume close codes' texts of `Dictionary.closes`, in Russian. */
export const RESUME_CLOSES_RU: Record<number, string> = {
  [CLOSE.resumeFailed.code]: FAILED_RU,
  [CLOSE.partnerTimeout.code]: "Собеседник не вернулся.",
  [CLOSE.partnerOverflow.code]: "Собеседник отсутствовал слишком долго.",
  [CLOSE.resumedElsewhere.code]: "Этот чат продолжился в другом соединении.",
  [CLOSE.restart.code]: "Сервер перезапускается.",
};
