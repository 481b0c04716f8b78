/**
 * One row of the option table, named from its config key: `fooBar` is the
 * variable `FOO_BAR` and the flag `--foo-bar`. Shared by `config.ts` and the
 * modules that add rows to it, so the naming rule lives in one place.
 *
 * @module
 */

import type { Config, OptionSpec } from "./config.ts";

/** The row for `key`, of `kind`, with its default and meaning. */
export function option(
  key: keyof Config,
  kind: OptionSpec["kind"],
  def: string,
  help: string,
  choices?: readonly string[],
): OptionSpec {
  const words = key.replace(/[A-Z]/g, (c) => "_" + c).toLowerCase();
  return {
    key,
    env: words.toUpperCase(),
    flag: "--" + words.replaceAll("_", "-"),
    kind,
    default: def,
    help,
    choices,
  };
}
