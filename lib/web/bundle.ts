/**
 * Where the built client bundles live and how the server finds them: the
 * build writes `static/_islands/manifest.json`, the server reads it once,
 * from the static folder the app names (never relative to the working
 * directory).
 *
 * @module
 */

/** Folder of the built bundles, relative to the static folder. */
export const BUNDLE_DIR = "_islands/";
/** The build's manifest, relative to the static folder. */
export const BUNDLE_MANIFEST = `${BUNDLE_DIR}manifest.json`;

/** URLs of the built boot script and of each island's bundle. */
export interface BundleManifest {
  boot: string;
  islands: Record<string, string>;
}

/**
 * Reads the manifest written by `deno task build` under `staticDir`. Throws
 * with a hint when the client has not been built.
 */
export async function loadBundleManifest(
  staticDir: URL,
): Promise<BundleManifest> {
  const url = new URL(BUNDLE_MANIFEST, staticDir);
  try {
    return JSON.parse(await Deno.readTextFile(url)) as BundleManifest;
  } catch (cause) {
    throw new Error(
      `no client bundle at ${url.pathname}: run "deno task build" first`,
      { cause },
    );
  }
}
