/**
 * The site owner's look: name, accent colour, logo, terms link and an extra
 * stylesheet, from the configuration. The accent becomes a small stylesheet
 * served at {@linkcode THEME_PATH} (no inline style, so the CSP needs no
 * 'unsafe-inline'), and a logo or stylesheet from another origin is added to
 * the CSP's `img-src` / `style-src`.
 *
 * @module
 */

import type { Config, OptionSpec } from "./ops/config.ts";
import { option } from "./ops/option_spec.ts";

/** The site owner's options, part of the server's `Config`. */
export interface SiteConfig {
  siteName: string;
  accentColor: string;
  logoUrl: string;
  termsUrl: string;
  extraStylesheet: string;
}

/** The site owner's rows of the option table (`--help`, README). */
export const SITE_OPTIONS: readonly OptionSpec[] = [
  option(
    "siteName",
    "string",
    "",
    "the site's name in the page (empty: Strangers, in Russian Незнакомцы)",
  ),
  option(
    "accentColor",
    "string",
    "",
    "accent colour of buttons and your bubbles: #rgb or #rrggbb (empty: blue)",
  ),
  option(
    "logoUrl",
    "string",
    "",
    "logo image: a path under /static/ or an https:// URL (the CSP allows its origin)",
  ),
  option(
    "termsUrl",
    "string",
    "",
    "terms and privacy page, linked on the start screen: a path or an http(s) URL",
  ),
  option(
    "extraStylesheet",
    "string",
    "",
    "stylesheet loaded after ours: a path under /static/ or an https:// URL (the CSP allows its origin)",
  ),
];

/** What is wrong with the site options, in one line; `null` when nothing. */
export function siteProblem(config: SiteConfig): string | null {
  const { accentColor, termsUrl } = config;
  if (accentColor !== "" && !isHexColor(accentColor)) {
    return `--accent-color must be #rgb or #rrggbb, got "${accentColor}"`;
  }
  for (const key of ["logoUrl", "extraStylesheet"] as const) {
    const value = config[key];
    if (value !== "" && !isAssetUrl(value)) {
      const flag = SITE_OPTIONS.find((o) => o.key === key)!.flag;
      return `${flag} must be a path under /static/ or an https:// URL, got "${value}"`;
    }
  }
  if (termsUrl !== "" && !/^(\/(?!\/)|https?:\/\/)[^\s"'<>]*$/.test(termsUrl)) {
    return `--terms-url must be a path or an http(s) URL, got "${termsUrl}"`;
  }
  return null;
}

/** Where the accent colour's stylesheet is served. */
export const THEME_PATH = "/theme.css";

/** What the page and the island need of the site's look (plain JSON). */
export interface Site {
  /** Shown instead of the language's app name when not empty. */
  name: string;
  /** A logo image, `/static/…` or `https://…`; empty: the built-in mark. */
  logoUrl: string;
  /** The terms and privacy page; empty: no link. */
  termsUrl: string;
}

/** The look the pages render with. */
export interface SiteLook extends Site {
  /** Whether {@linkcode THEME_PATH} carries an accent colour. */
  themed: boolean;
  /** An extra stylesheet after ours; empty: none. */
  extraStylesheet: string;
}

/** The site's look from the configuration. */
export function siteLook(config: Config): SiteLook {
  return {
    name: config.siteName,
    logoUrl: config.logoUrl,
    termsUrl: config.termsUrl,
    themed: config.accentColor !== "",
    extraStylesheet: config.extraStylesheet,
  };
}

/** Whether `value` is a colour `#rgb` or `#rrggbb`. */
export function isHexColor(value: string): boolean {
  return /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value);
}

/** Whether `value` is a path under `/static/` or an `https:` URL. */
export function isAssetUrl(value: string): boolean {
  if (/^\/static\/[^?#\s"'<>]+$/.test(value)) return !value.includes("..");
  return httpsOrigin(value) !== null && !/[\s"'<>]/.test(value);
}

function httpsOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/** Extra CSP sources the configured logo and stylesheet need. */
export function cspSources(
  config: SiteConfig,
): { img: string[]; style: string[] } {
  const logo = httpsOrigin(config.logoUrl);
  const style = httpsOrigin(config.extraStylesheet);
  return { img: logo ? [logo] : [], style: style ? [style] : [] };
}

function luminance(hex: string): number {
  const full = hex.length === 4
    ? hex.slice(1).split("").map((c) => c + c).join("")
    : hex.slice(1);
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(full.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * The stylesheet for an accent colour: buttons, our bubbles and focus rings
 * take it, and their text is white or near-black, whichever reads better.
 */
export function themeCss(accent: string): string {
  if (!isHexColor(accent)) return "";
  const l = luminance(accent);
  // Contrast with white (1.05 / (l + 0.05)) against near-black's.
  const text = 1.05 / (l + 0.05) >= (l + 0.05) / 0.0565 ? "#ffffff" : "#0b1020";
  const vars = [
    `--accent: ${accent}`,
    `--accent-hover: color-mix(in srgb, ${accent} 85%, ${text})`,
    `--accent-text: ${text}`,
    `--me: ${accent}`,
    `--me-text: ${text}`,
    `--focus: ${accent}`,
  ].join("; ");
  return `/* ACCENT_COLOR */\n:root:not(#_) { ${vars}; }\n`;
}
