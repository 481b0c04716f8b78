/**
 * Bundles the client: the island boot and every island in `islands/`, split
 * so that Preact is shared, minified, with content-hashed names, into
 * `static/_islands/` with a `manifest.json` the server reads. Code an island
 * imports dynamically (the bot check's widget) becomes a chunk of its own,
 * loaded when needed; the widget's stylesheet and workers are copied from
 * the npm `altcha` package to `static/_islands-vendor/altcha/`.
 *
 *     deno task build               # always build
 *     deno task build --if-missing  # build unless a bundle exists
 *
 * @module
 */

import {
  BUNDLE_DIR,
  BUNDLE_MANIFEST,
  type BundleManifest,
} from "./lib/web/bundle.ts";
import { POW_ASSETS, POW_FILES } from "./lib/ui/pow_assets.ts";

const root = new URL("./", import.meta.url);
const staticDir = new URL("static/", root);
const outDir = new URL(BUNDLE_DIR, staticDir);

/** Builds the bundles; returns the manifest written. */
export async function build(): Promise<BundleManifest> {
  const islands: string[] = [];
  for await (const entry of Deno.readDir(new URL("islands/", root))) {
    if (entry.isFile && /^[A-Z]\w*\.tsx$/.test(entry.name)) {
      islands.push(entry.name);
    }
  }
  islands.sort();
  // Bundle into a folder of our own, then move the files into place and
  // swap the manifest atomically: a running server (or a concurrent build)
  // always sees a manifest whose files exist.
  const tmp = new URL(`static/_islands.tmp-${crypto.randomUUID()}/`, root);
  try {
    const { success, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=browser",
        "--format=esm",
        "--code-splitting",
        "--minify",
        "--outdir",
        tmp.pathname,
        "lib/web/client/boot.ts",
        ...islands.map((name) => `islands/${name}`),
      ],
      cwd: root.pathname,
      stdout: "inherit",
      stderr: "piped",
    }).output();
    if (!success) {
      throw new Error(
        `deno bundle failed:\n${new TextDecoder().decode(stderr)}`,
      );
    }
    // esbuild keeps the entries' folders (lib/web/client/, islands/) and their
    // relative imports of the shared chunks, so hashed names stay in place.
    const entries = new Map([
      ["lib/web/client/boot", "boot"],
      ...islands.map((file) => {
        const name = file.slice(0, -4);
        return [`islands/${name}`, name] as const;
      }),
    ]);
    const manifest: BundleManifest = { boot: "", islands: {} };
    const written = new Set<string>();
    for (const path of await listFiles(tmp)) {
      let target = path;
      const entry = entries.get(path.slice(0, -3));
      if (entry) {
        const hash = await shortHash(await Deno.readFile(new URL(path, tmp)));
        target = `${path.slice(0, -3)}-${hash}.js`;
        const url = `/static/_islands/${target}`;
        if (entry === "boot") manifest.boot = url;
        else manifest.islands[entry] = url;
      }
      const to = new URL(target, outDir);
      await Deno.mkdir(new URL("./", to), { recursive: true });
      await Deno.rename(new URL(path, tmp), to);
      written.add(target);
    }
    const manifestFile = new URL(BUNDLE_MANIFEST, staticDir);
    const next = new URL(
      `${manifestFile.pathname}.${crypto.randomUUID()}`,
      root,
    );
    await Deno.writeTextFile(next, JSON.stringify(manifest, null, 2) + "\n");
    await Deno.rename(next, manifestFile);
    await pruneStale(written);
    await copyPowAssets();
    return manifest;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/**
 * Copies the bot check's files out of the `altcha` package (installed in
 * `node_modules/` by the bundle above), each replaced atomically.
 */
async function copyPowAssets(): Promise<void> {
  const pkg = new URL("node_modules/altcha/", root);
  const dir = new URL(`.${POW_ASSETS.slice("/static".length)}`, staticDir);
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, from] of Object.entries(POW_FILES)) {
    const next = new URL(`${name}.${crypto.randomUUID()}.tmp`, dir);
    await Deno.copyFile(new URL(from, pkg), next);
    await Deno.rename(next, new URL(name, dir));
  }
}

/** Paths of every file below `dir`, relative to it. */
async function listFiles(dir: URL, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(new URL(prefix, dir))) {
    const path = prefix + entry.name;
    if (entry.isDirectory) files.push(...await listFiles(dir, `${path}/`));
    else if (entry.isFile) files.push(path);
  }
  return files;
}

/** Removes bundles of earlier builds, once they are a minute old. */
async function pruneStale(keep: Set<string>): Promise<void> {
  const minute = Date.now() - 60_000;
  for (const path of await listFiles(outDir)) {
    if (keep.has(path) || !path.endsWith(".js")) continue;
    const file = new URL(path, outDir);
    const info = await Deno.stat(file).catch(() => null);
    if (info?.mtime && info.mtime.getTime() < minute) {
      await Deno.remove(file).catch(() => {});
    }
  }
}

async function shortHash(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

if (import.meta.main) {
  const ifMissing = Deno.args.includes("--if-missing");
  const exists = await Deno.stat(new URL(BUNDLE_MANIFEST, staticDir)).then(
    () => true,
    () => false,
  );
  if (!(ifMissing && exists)) {
    const manifest = await build();
    console.log(
      `Built ${
        Object.keys(manifest.islands).length
      } island(s) into static/_islands/`,
    );
  }
}
