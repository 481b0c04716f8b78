import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { DICTIONARIES } from "../../lib/ui/i18n.ts";
import { LogItem } from "./LogItem.tsx";

Deno.test("LogItem renders a message in a bidi isolate, its controls as text", () => {
  const html = renderToString(
    <LogItem
      dict={DICTIONARIES.en}
      line={{
        id: 1,
        kind: "guest",
        text: "\u202Egnp.exe <b>",
        time: "12:00",
        iso: "2026-12-02T12:00:00Z",
      }}
    />,
  );
  assert.match(html, /<p class="text" dir="auto">\u202Egnp\.exe &lt;b>/);
});
