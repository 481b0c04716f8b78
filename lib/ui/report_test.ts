import assert from "node:assert/strict";
import {
  MAX_LINES,
  MAX_NOTE,
  REPORT_REASONS as WIRE_REASONS,
} from "../moderation/report_frame.ts";
import { FakeClock } from "../../tests/support/clock.ts";
import { FakeSocket } from "../../tests/support/fake_socket.ts";
import type { LogLine } from "./chat_log.ts";
import {
  NOTE_MAX,
  REPORT_LINES,
  REPORT_REASONS,
  REPORT_TIMEOUT_MS,
  reportFrame,
  sendReport,
} from "./report.ts";

let id = 0;
function line(
  kind: "me" | "guest",
  text: string,
  state?: LogLine["state"],
): LogLine {
  return { kind, text, state, id: ++id, time: "", iso: "" };
}

Deno.test("report.ts keeps the wire's reasons and limits", () => {
  assert.deepEqual([...REPORT_REASONS].sort(), [...WIRE_REASONS].sort());
  assert.equal(REPORT_LINES, MAX_LINES);
  assert.equal(NOTE_MAX, MAX_NOTE);
});

Deno.test("reportFrame() carries the last lines as shown, oldest first", () => {
  const log: LogLine[] = [
    { kind: "system", key: "found", id: ++id, time: "", iso: "" },
    line("guest", "hi"),
    line("me", "hello"),
    line("me", "never reached the server", "undelivered"),
    { kind: "error", code: "rate_limited", id: ++id, time: "", iso: "" },
    line("me", "still on its way", "pending"),
  ];
  assert.deepEqual(
    reportFrame(log, { reason: "spam", note: "  buy stuff  ", token: "" }),
    {
      type: "report",
      reason: "spam",
      note: "buy stuff",
      lines: [
        { from: "guest", message: "hi" },
        { from: "me", message: "hello" },
        { from: "me", message: "still on its way" },
      ],
    },
  );
  const many = Array.from({ length: 70 }, (_, i) => line("guest", `${i}`));
  const frame = reportFrame(many, {
    reason: "other",
    note: "x".repeat(900),
    token: "t".repeat(32),
  });
  assert.equal(frame.lines.length, REPORT_LINES);
  assert.equal(frame.lines[0].message, "20");
  assert.equal(frame.lines.at(-1)?.message, "69");
  assert.equal(frame.note.length, NOTE_MAX);
  assert.equal(frame.token, "t".repeat(32));
});

function sender(timeoutMs?: number) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const frame = reportFrame([line("guest", "spam link")], {
    reason: "spam",
    note: "",
  });
  const result = sendReport(frame, {
    clock,
    timeoutMs,
    connect() {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
  });
  return { clock, socket: sockets[0], frame, result };
}

Deno.test("sendReport() sends on a socket of its own and closes it", async (t) => {
  await t.step("reported: taken", async () => {
    const { socket, frame, result } = sender();
    assert.deepEqual(socket.sent, [], "sent before the socket opened");
    socket.open();
    assert.deepEqual(socket.sent, [frame]);
    socket.receive({ type: "online", count: 3 });
    socket.receive({ type: "reported", verified: 1, lines: 1 });
    assert.deepEqual(await result, { ok: true });
    assert.equal(socket.closedWith, 1000);
  });
  await t.step("an error frame: refused with its code", async () => {
    const { socket, result } = sender();
    socket.open();
    socket.receive({ type: "error", code: "nothing_to_report" });
    assert.deepEqual(await result, { ok: false, code: "nothing_to_report" });
    assert.equal(socket.closedWith, 1000);
  });
  await t.step("closed before an answer: unavailable", async () => {
    const { socket, result } = sender();
    socket.open();
    socket.closed(1011);
    assert.deepEqual(await result, { ok: false, code: "unavailable" });
  });
  await t.step("no answer in time: unavailable, and closed", async () => {
    const { socket, clock, result } = sender(5000);
    socket.open();
    clock.advance(4999);
    let settled = false;
    void result.then(() => settled = true);
    await Promise.resolve();
    assert.equal(settled, false);
    clock.advance(1);
    assert.deepEqual(await result, { ok: false, code: "unavailable" });
    assert.equal(socket.closedWith, 1000);
  });
  await t.step("the default timeout is the module's", async () => {
    const { socket, clock, result } = sender();
    clock.advance(REPORT_TIMEOUT_MS);
    assert.deepEqual(await result, { ok: false, code: "unavailable" });
    // Still connecting: it is closed once it opens, never used.
    socket.open();
    assert.deepEqual(socket.sent, []);
    assert.equal(socket.closedWith, 1000);
  });
});
