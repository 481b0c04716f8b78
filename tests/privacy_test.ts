/**
 * The server keeps no message after relaying it: two visitors in another
 * process chat lines the test process never sees, and a heap snapshot of
 * the server (taken while their chat is still open) holds none of them.
 * (Deno's own receive loop holds each socket's latest incoming frame until
 * the next one arrives; our code keeps nothing.)
 *
 * @module
 */

import assert from "node:assert/strict";
import v8 from "node:v8";
import { startTestServer } from "./helpers.ts";

// The visitors' lines are made up in their own process: "QZX" and 12
// random digits. Only the pattern is known here, never a line itself.
const VISITORS = `
const url = Deno.args[0];
const open = () => new Promise((resolve) => {
  const ws = new WebSocket(url);
  const inbox = [];
  ws.onmessage = (e) => inbox.push(JSON.parse(e.data));
  ws.onopen = () => resolve({ ws, inbox });
});
const until = async (box, test) => {
  while (!box.inbox.some(test)) await new Promise((r) => setTimeout(r, 10));
};
const a = await open(), b = await open();
a.ws.send('{"type":"request"}');
b.ws.send('{"type":"request"}');
await until(a, (f) => f.type === "response");
await until(b, (f) => f.type === "response");
for (let i = 0; i < 3; i++) {
  const line = "QZX" + String(Math.random()).slice(2, 14).padEnd(12, "7");
  a.ws.send(JSON.stringify({ type: "message", message: line }));
  await until(b, (f) => f.message === line);
  b.ws.send(JSON.stringify({ type: "message", message: line + " back" }));
  await until(a, (f) => f.message === line + " back");
}
// Deno's receive loop holds a socket's latest frame until the next one
// arrives: a typing frame takes the last line's place there.
for (const v of [a, b]) v.ws.send('{"type":"typing","on":false}');
await until(a, (f) => f.type === "typing");
await until(b, (f) => f.type === "typing");
console.log("relayed");
await new Promise(() => {});
`;

async function heapStrings(): Promise<string> {
  let text = "";
  for await (const chunk of v8.getHeapSnapshot()) text += chunk;
  return text;
}

Deno.test({
  name: "the server holds no relayed message once it is delivered",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const server = await startTestServer();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", VISITORS, server.wsUrl],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let out = "";
    while (!out.includes("relayed")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`visitors stopped: ${out}`);
      out += value;
    }
    reader.releaseLock();
    assert.equal(server.handle.state.switchboard.stats.messagesRelayed, 6);
    assert.equal(
      server.handle.state.switchboard.chatting,
      2,
      "chat still open",
    );

    // A control made at run time, so the search is shown to find such lines.
    const control = ["QZX", "0".repeat(11), "1"].join("");
    const snapshot = await heapStrings();
    assert.ok(snapshot.includes(control), "the snapshot holds live strings");
    const found = snapshot.match(/QZX\d{12}/g)?.filter((s) => s !== control);
    assert.deepEqual(found ?? [], [], "a relayed line is still in the heap");
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await server.stop();
  }
});
