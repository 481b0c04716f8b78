import assert from "node:assert/strict";
import { DICTIONARIES } from "./i18n.ts";
import { transcriptText } from "./transcript.ts";

Deno.test("transcriptText() writes the log as plain text", () => {
  const stamp = { time: "12:00", iso: "2026-12-02T12:00:00Z" };
  const text = transcriptText(DICTIONARIES.en, [
    { id: 1, kind: "system", key: "found", ...stamp },
    { id: 2, kind: "me", text: "hi\nthere", ...stamp },
    { id: 3, kind: "guest", text: "<b>yo</b>", ...stamp },
    { id: 4, kind: "me", text: "lost", state: "undelivered", ...stamp },
    { id: 5, kind: "close", code: 4000, ...stamp },
  ], "2 Dec 2026");
  assert.equal(
    text,
    [
      "Strangers: conversation of 2 Dec 2026",
      "",
      "[12:00] Partner found, say hi",
      "[12:00] You: hi",
      "    there",
      "[12:00] Stranger: <b>yo</b>",
      "[12:00] You (not delivered): lost",
      "[12:00] Your partner left.",
      "",
    ].join("\n"),
  );
});
