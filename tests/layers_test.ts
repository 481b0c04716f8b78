/**
 * The layer rules of `lib/`, read off the real import graph (`deno info`):
 * the web layer knows nothing of chat, browser code imports nothing
 * server-only, backends meet the rest only through the contract.
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/** One import: `from` imports `to`, both paths relative to the root. */
interface Edge {
  from: string;
  to: string;
}

/** A layer: the files under `dir` may import nothing `forbidden` says. */
interface Rule {
  dir: string;
  forbidden: (to: string) => boolean;
  why: string;
}

const startsWithAny = (prefixes: string[]) => (to: string) =>
  prefixes.some((p) => to.startsWith(p));

/**
 * The wire protocol, shared by the browser and the server: frame
 * validation, and the interests as both sides normalise them (pure).
 */
const WIRE_PROTOCOL = ["lib/ws/protocol.ts", "lib/ws/interests.ts"];

const RULES: Rule[] = [
  {
    dir: "lib/web/",
    // Anything of ours outside lib/web is the app's.
    forbidden: (to) =>
      !to.startsWith("npm:") && !to.startsWith("node:") &&
      !to.startsWith("lib/web/"),
    why: "lib/web is the framework: it knows nothing of the chat",
  },
  {
    dir: "lib/ui/",
    forbidden: (to) =>
      to.startsWith("node:") || to.startsWith("npm:@redis") ||
      (!to.startsWith("npm:") && !to.startsWith("lib/ui/") &&
        !WIRE_PROTOCOL.includes(to)),
    why: "lib/ui runs in the browser: only lib/ui and the wire protocol",
  },
  {
    dir: "lib/backends/",
    forbidden: startsWithAny(["lib/ws/", "lib/web/", "lib/ui/", "routes/"]),
    why: "backends meet the server only through the Backend contract",
  },
  {
    dir: "lib/pairing.ts",
    forbidden: startsWithAny([
      "lib/web/",
      "lib/ops/",
      "lib/backends/redis",
      "lib/backends/kv",
    ]),
    why: "the switchboard is pure of transports and operations",
  },
];

/** Every import between modules reachable from the project's sources. */
async function importGraph(): Promise<Edge[]> {
  const roots: string[] = [];
  for (const dir of ["lib", "routes", "islands", "components"]) {
    for await (const path of walk(new URL(`${dir}/`, ROOT))) {
      if (/\.tsx?$/.test(path) && !/_test\.tsx?$/.test(path)) roots.push(path);
    }
  }
  const all = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      all,
      roots.map((p) => `import "${new URL(p, ROOT).href}";`).join("\n"),
    );
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      args: [
        "info",
        "--json",
        "--config",
        new URL("deno.json", ROOT).pathname,
        all,
      ],
      stderr: "inherit",
    }).output();
    assert.ok(success, "deno info failed");
    const info = JSON.parse(new TextDecoder().decode(stdout)) as {
      modules: {
        specifier: string;
        dependencies?: {
          code?: { specifier: string };
          type?: { specifier: string };
        }[];
      }[];
    };
    const edges: Edge[] = [];
    for (const module of info.modules) {
      const from = local(module.specifier);
      if (!from) continue;
      for (const dep of module.dependencies ?? []) {
        const target = dep.code?.specifier ?? dep.type?.specifier;
        if (target) edges.push({ from, to: local(target) ?? target });
      }
    }
    return edges;
  } finally {
    await Deno.remove(all);
  }
}

/** A project path for a `file:` specifier of ours, else `undefined`. */
function local(specifier: string): string | undefined {
  return specifier.startsWith(ROOT.href) &&
      !specifier.includes("/node_modules/")
    ? specifier.slice(ROOT.href.length)
    : undefined;
}

/** Paths (relative to the root) of the files under `dir`. */
async function* walk(dir: URL): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) yield* walk(new URL(`${entry.name}/`, dir));
    else yield `${dir.href.slice(ROOT.href.length)}${entry.name}`;
  }
}

/** The edges that break a rule, each with the rule's reason. */
function violations(edges: Edge[]): string[] {
  const found: string[] = [];
  for (const { from, to } of edges) {
    for (const rule of RULES) {
      if (from.startsWith(rule.dir) && rule.forbidden(to)) {
        found.push(`${from} → ${to} (${rule.why})`);
      }
    }
  }
  return found;
}

Deno.test("the import graph keeps the layers of lib/", async (t) => {
  const edges = await importGraph();
  await t.step("the graph is real: it sees the app's own imports", () => {
    const has = (from: string, to: string) =>
      edges.some((e) => e.from === from && e.to === to);
    assert.ok(has("lib/web/app.ts", "lib/web/router.ts"));
    assert.ok(has("routes/ws.ts", "lib/ws/connection.ts"));
    assert.ok(has("lib/pairing.ts", "lib/ws/protocol.ts"));
    assert.ok(edges.some((e) => e.from.startsWith("lib/ui/")));
    assert.ok(has("lib/ui/interest_chips.ts", "lib/ws/interests.ts"));
  });
  await t.step("no layer imports what its rule forbids", () => {
    assert.deepEqual(violations(edges), []);
  });
  await t.step("a planted violation of each rule is caught", () => {
    const planted: Edge[] = [
      { from: "lib/web/router.ts", to: "lib/pairing.ts" },
      { from: "lib/web/render.tsx", to: "manifest.ts" },
      { from: "lib/ui/i18n.ts", to: "lib/ops/config.ts" },
      { from: "lib/ui/reconnect.ts", to: "node:fs" },
      { from: "lib/ui/preferences.ts", to: "lib/ws/connection.ts" },
      { from: "lib/backends/memory.ts", to: "lib/ws/protocol.ts" },
      { from: "lib/pairing.ts", to: "lib/ops/log.ts" },
    ];
    const found = violations([...edges, ...planted]);
    assert.equal(found.length, planted.length, found.join("\n"));
    for (const { from, to } of planted) {
      assert.ok(found.some((v) => v.startsWith(`${from} → ${to} `)), from);
    }
  });
});
