import assert from "node:assert/strict";
import { BanView } from "./ban_view.ts";
import type { Ban } from "./store.ts";

function ban(id: string, subject: string, until: number, visible = false): Ban {
  return {
    id,
    subject,
    at: 0,
    until,
    visible,
    reason: "",
    by: "admin",
    label: "",
  };
}

Deno.test("BanView.banned() answers bans in force only, a visible one first", () => {
  const view = new BanView([
    ban("s1", "a", 100),
    ban("v1", "t", 50, true),
    ban("old", "b", 10, true),
  ]);
  assert.equal(view.banned(["a"], 0)?.id, "s1");
  assert.equal(view.banned(["a", "t"], 0)?.id, "v1", "visible wins");
  assert.equal(view.banned(["a", "t"], 60)?.id, "s1", "visible one ended");
  assert.equal(view.banned(["b"], 10), undefined, "ends at until");
  assert.equal(view.banned(["b"], 9)?.id, "old");
  assert.equal(view.banned(["z"], 0), undefined);
  assert.equal(view.banned([], 0), undefined);
});

Deno.test("BanView.putBan() and dropBan() change one ban by id", () => {
  const view = new BanView();
  const first = ban("1", "a", 100);
  view.putBan(first);
  view.putBan(first);
  view.putBan(ban("2", "a", 200));
  assert.deepEqual(view.counts(0), { openReports: 0, activeBans: 2 });
  view.dropBan(first);
  assert.equal(view.banned(["a"], 150)?.id, "2");
  assert.deepEqual(view.counts(0), { openReports: 0, activeBans: 1 });
  view.dropBan(ban("2", "a", 200));
  assert.equal(view.banned(["a"], 0), undefined);
  assert.deepEqual(view.counts(0), { openReports: 0, activeBans: 0 });
});

Deno.test("BanView.flagged() holds while an open report names a subject", () => {
  const view = new BanView([], [{ id: "r1", subjects: ["a", "t"] }]);
  assert.equal(view.flagged(["t"]), true);
  view.setOpen("r2", ["a", "a"]);
  assert.deepEqual(view.counts(0), { openReports: 2, activeBans: 0 });
  view.setOpen("r1");
  assert.equal(view.flagged(["t"]), false, "r1 closed");
  assert.equal(view.flagged(["x", "a"]), true, "r2 still names a");
  view.setOpen("r2");
  view.setOpen("r2");
  assert.equal(view.flagged(["a"]), false);
  assert.deepEqual(view.counts(0), { openReports: 0, activeBans: 0 });
});
