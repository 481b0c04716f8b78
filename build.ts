/**
 * Bundles the client: the island boot and every island in `islands/`, split
 * so that Preact is shared, minified, with content-hashed names, into
 * `static/_islands/` with a `manifest.json` the server reads.
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
} from "./lib/bundle.ts";

const root = new URL("./", import.meta.url);
const outDir = new URL(BUNDLE_DIR, root);

/** Builds the bundles; returns the manifest written. */
export async function build(): Promise<BundleManifest> {
  const islands: string[] = [];
  for await (const entry of Deno.readDir(new URL("islands/", root))) {
    if (entry.isFile && /^[A-Z]\w*\.tsx$/.test(entry.name)) {
      islands.push(entry.name);
    }
  }
  islands.sort();
  const tmp = new URL(`${BUNDLE_DIR.replace(/\/$/, "")}.tmp/`, root);
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
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
      "lib/client/boot.ts",
      ...islands.map((name) => `islands/${name}`),
    ],
    cwd: root.pathname,
    stdout: "inherit",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
  }

  // esbuild keeps the entries' folders (lib/client/, islands/) and their
  // relative imports of the shared chunks, so hashed names stay in place.
  const manifest: BundleManifest = { boot: "", islands: {} };
  const entries = [
    ["boot", "lib/client/boot"],
    ...islands.map((
      file,
    ) => [file.slice(0, -4), `islands/${file.slice(0, -4)}`]),
  ];
  for (const [name, path] of entries) {
    const file = new URL(`${path}.js`, tmp);
    const hashed = `${path}-${await shortHash(await Deno.readFile(file))}.js`;
    await Deno.rename(file, new URL(hashed, tmp));
    const url = `/static/_islands/${hashed}`;
    if (name === "boot") manifest.boot = url;
    else manifest.islands[name] = url;
  }
  await Deno.writeTextFile(
    new URL(BUNDLE_MANIFEST.replace(BUNDLE_DIR, ""), tmp),
    JSON.stringify(manifest, null, 2) + "\n",
  );
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  await Deno.rename(tmp, outDir);
  return manifest;
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
  const exists = await Deno.stat(new URL(BUNDLE_MANIFEST, root)).then(
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
