/**
 * Where the built client bundles live and how the server finds them: the
 * build writes `static/_islands/manifest.json`, the server reads it once,
 * relative to this module (never to the working directory).
 *
 * @module
 */

/** Folder of the built bundles, relative to the project root. */
export const BUNDLE_DIR = "static/_islands/";
/** The build's manifest, relative to the project root. */
export const BUNDLE_MANIFEST = `${BUNDLE_DIR}manifest.json`;

/** URLs of the built boot script and of each island's bundle. */
export interface BundleManifest {
  boot: string;
  islands: Record<string, string>;
}

/**
 * Reads the manifest written by `deno task build`. Throws with a hint when
 * the client has not been built.
 */
export async function loadBundleManifest(): Promise<BundleManifest> {
  const url = new URL(`../../${BUNDLE_MANIFEST}`, import.meta.url);
  try {
    return JSON.parse(await Deno.readTextFile(url)) as BundleManifest;
  } catch (cause) {
    throw new Error(
      `no client bundle at ${url.pathname}: run "deno task build" first`,
      { cause },
    );
  }
}
