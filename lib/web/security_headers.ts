/**
 * Headers every response carries: a Content-Security-Policy that allows no
 * inline script, no foreign origin and framing only by the configured
 * ancestors, plus nosniff and no-referrer.
 *
 * @module
 */

/** The security headers, built once per server from its configuration. */
export function securityHeaders(frameAncestors: string): [string, string][] {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
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
