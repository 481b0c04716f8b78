/**
 * Headers every response carries: a Content-Security-Policy that allows no
 * inline script, no foreign origin and framing only by the configured
 * ancestors, plus nosniff and no-referrer.
 *
 * @module
 */

/** Origins besides the page's own that images and stylesheets may come from. */
export interface CspSources {
  /** Added to `img-src` (a site's logo). */
  img?: readonly string[];
  /** Added to `style-src` (a site's extra stylesheet). */
  style?: readonly string[];
}

/** The security headers, built once per server from its configuration. */
export function securityHeaders(
  frameAncestors: string,
  sources: CspSources = {},
): [string, string][] {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    ["style-src 'self'", ...sources.style ?? []].join(" "),
    ["img-src 'self' data:", ...sources.img ?? []].join(" "),
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join("; ");
  return [
    ["Content-Security-Policy", csp],
    ["X-Content-Type-Options", "nosniff"],
    ["Referrer-Policy", "no-referrer"],
  ];
}
