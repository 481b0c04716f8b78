/**
 * The release version, read from `deno.json` at build time so the compiled
 * binary carries it too.
 *
 * @module
 */

import denoJson from "../../deno.json" with { type: "json" };

/** This build's version, as in `deno.json` (`0.1.0`). */
export const VERSION: string = denoJson.version;
