/**
 * The `request` frames of the interests burst, made in the load generator
 * (`bench/load.ts`): each visitor picks 0 to 5 interests (uniform), each
 * drawn from a Zipf distribution over 1,000 names `t0`…`t999` (`t0` the most
 * popular), duplicates dropped, as the widget sends them: its browser token,
 * its interests, `lang` and `strict`. A seeded generator, so that every round
 * of a run sends the same requests. Pure.
 *
 * @module
 */

/** How a generator makes its visitors' `request` frames (`add`'s `requests`). */
export interface RequestSpec {
  /** `plain`: no preferences, first come; `interests`: the Zipf draw. */
  kind: "plain" | "interests";
  /**
   * A resumable client's request (`"resume":true`), whose lines then carry
   * their numbers. @default {false}
   */
  resume?: boolean;
  /** Seeds the draw and the tokens; give each generator its own. */
  seed: number;
  /** How many names interests are drawn from. @default {1000} */
  topics?: number;
  /** The Zipf exponent. @default {1} */
  exponent?: number;
  /** Most interests a visitor picks (the count is uniform from 0). @default {5} */
  most?: number;
  /** The page language every visitor sends. @default {"en"} */
  lang?: string;
}

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Options for {@linkcode zipf}. */
export interface ZipfOptions {
  /** The number of ranks, drawn as 0…n−1. */
  n: number;
  /** The exponent s: rank k is drawn with weight 1 / (k + 1)^s. */
  exponent: number;
}

/** Draws ranks 0…n−1 with Zipf weights from `random` (inverse CDF). */
export function zipf(
  random: () => number,
  options: ZipfOptions,
): () => number {
  const cdf = new Float64Array(options.n);
  let sum = 0;
  for (let k = 0; k < options.n; k++) {
    sum += 1 / (k + 1) ** options.exponent;
    cdf[k] = sum;
  }
  return () => {
    const u = random() * sum;
    let lo = 0;
    let hi = options.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * A maker of `request` frames after `spec`: each call the next visitor's,
 * as JSON text, with a token of its own (so the server tells visitors apart
 * by token, as it does browsers, not by the few loopback addresses).
 */
export function requestMaker(spec: RequestSpec): () => string {
  const random = seededRandom(spec.seed);
  const rank = zipf(random, {
    n: spec.topics ?? 1000,
    exponent: spec.exponent ?? 1,
  });
  const most = spec.most ?? 5;
  const lang = spec.lang ?? "en";
  let made = 0;
  return () => {
    const token = `bench_${spec.seed.toString(36)}_${
      (made++).toString(36).padStart(8, "0")
    }`;
    const resume = spec.resume || undefined;
    if (spec.kind === "plain") {
      return JSON.stringify({ type: "request", token, resume });
    }
    const count = Math.floor(random() * (most + 1));
    const picked = new Set<string>();
    for (let i = 0; i < count; i++) picked.add(`t${rank()}`);
    return JSON.stringify({
      type: "request",
      token,
      interests: [...picked],
      lang,
      strict: false,
      resume,
    });
  };
}
