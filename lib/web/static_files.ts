/**
 * Serves `static/` as it is: right content types, strong ETags with 304,
 * `immutable` caching for content-hashed bundles and `no-cache` for the
 * rest. Paths are checked segment by segment after decoding, so no spelling
 * of `..` leaves the folder.
 *
 * @module
 */

import { BUNDLE_DIR } from "./bundle.ts";

const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  html: "text/html; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  webp: "image/webp",
  woff2: "font/woff2",
  webmanifest: "application/manifest+json",
};

interface CachedFile {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  stamp: string;
}

/** Answers a request for one file under the folder; `null` when none. */
export type StaticFiles = (
  req: Request,
  path: string,
) => Promise<Response | null>;

/**
 * Serves the files under `root` (a `file:` URL ending in `/`), given their
 * path relative to it; `null` when no such file exists (the caller answers
 * 404). Files are cached in memory while their size and mtime stay the same.
 */
export function serveStatic(root: URL): StaticFiles {
  const cache = new Map<string, CachedFile>();
  return async (req, path) => {
    const relative = safeRelativePath(path);
    if (relative === null) return null;
    const file = await readCached(root, relative, cache);
    if (!file) return null;
    const extension = relative.slice(relative.lastIndexOf(".") + 1);
    const headers = new Headers({
      "Content-Type": TYPES[extension] ?? "application/octet-stream",
      "ETag": file.etag,
      "Cache-Control": relative.startsWith(BUNDLE_DIR)
        ? "public, max-age=31536000, immutable"
        : "no-cache",
    });
    const match = req.headers.get("If-None-Match");
    if (match?.split(/\s*,\s*/).includes(file.etag)) {
      return new Response(null, { status: 304, headers });
    }
    headers.set("Content-Length", String(file.body.byteLength));
    return new Response(req.method === "HEAD" ? null : file.body, { headers });
  };
}

/** Decodes `path` and returns it if it stays inside the folder, else `null`. */
export function safeRelativePath(path: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  const segments = decoded.split("/");
  const bad = segments.some((s) =>
    s === "" || s === "." || s === ".." || s.startsWith(".") ||
    /[\\\0:]/.test(s)
  );
  return bad ? null : segments.join("/");
}

async function readCached(
  root: URL,
  relative: string,
  cache: Map<string, CachedFile>,
): Promise<CachedFile | null> {
  // Re-encode each segment so that the URL parser cannot read a dot segment
  // into a name such as "%2e%2e", then make sure we are still inside.
  const url = new URL(
    relative.split("/").map(encodeURIComponent).join("/"),
    root,
  );
  if (!url.href.startsWith(root.href)) return null;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(url);
  } catch {
    return null;
  }
  if (!info.isFile) return null;
  const stamp = `${info.size}:${info.mtime?.getTime() ?? 0}`;
  const hit = cache.get(relative);
  if (hit?.stamp === stamp) return hit;
  const body = await Deno.readFile(url);
  const digest = await crypto.subtle.digest("SHA-1", body);
  const etag = `"${
    Array.from(new Uint8Array(digest).slice(0, 10), (b) =>
      b.toString(16).padStart(2, "0")).join("")
  }"`;
  const file = { body, etag, stamp };
  cache.set(relative, file);
  return file;
}
