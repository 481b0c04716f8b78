import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { DICTIONARIES } from "../../lib/ui/i18n.ts";
import { continuesGroup, LogItem } from "./LogItem.tsx";

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

Deno.test("continuesGroup() joins lines of one side within a minute", () => {
  const at = (kind: "me" | "guest", iso: string) => ({
    id: 0,
    kind,
    text: "x",
    time: "",
    iso,
  });
  const first = at("me", "2026-12-02T12:00:00Z");
  assert.ok(continuesGroup(first, at("me", "2026-12-02T12:00:59Z")));
  assert.ok(!continuesGroup(first, at("me", "2026-12-02T12:01:00Z")));
  assert.ok(!continuesGroup(first, at("guest", "2026-12-02T12:00:10Z")));
  assert.ok(!continuesGroup(undefined, first));
  const html = renderToString(
    <LogItem dict={DICTIONARIES.en} line={first} grouped />,
  );
  assert.doesNotMatch(html, /<time/);
  assert.match(html, /class="who visually-hidden">You</);
});
