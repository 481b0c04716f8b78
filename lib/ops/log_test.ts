import assert from "node:assert/strict";
import { Logger } from "./log.ts";

Deno.test("Logger.limited() writes a few lines a second per event, then says how many it dropped", () => {
  const lines: string[] = [];
  let now = 0;
  const log = new Logger({
    format: "json",
    write: (line) => lines.push(line),
    limitPerSecond: 3,
    now: () => now,
  });
  for (let i = 0; i < 1000; i++) log.limited("info", "ws_refused", { i });
  log.limited("info", "other_event");
  assert.deepEqual(
    lines.map((l) => JSON.parse(l)).map((l) => [l.event, l.i, l.suppressed]),
    [
      ["ws_refused", 0, undefined],
      ["ws_refused", 1, undefined],
      ["ws_refused", 2, undefined],
      ["other_event", undefined, undefined],
    ],
  );
  now = 1000;
  log.limited("info", "ws_refused", { i: 1000 });
  assert.deepEqual(JSON.parse(lines.at(-1)!).suppressed, 997);
  log.limited("info", "ws_refused", { i: 1001 });
  assert.equal(JSON.parse(lines.at(-1)!).suppressed, undefined);
  log.limited("debug", "below_level");
  assert.equal(lines.length, 6);
});
