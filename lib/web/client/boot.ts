/**
 * The client boot: finds every island the server marked, loads its bundle
 * and hydrates it in place with the props serialized into the page.
 *
 * @module
 */

import { type ComponentType, h, hydrate } from "preact";
import { BOOT_DATA_ID, ISLAND_ATTR, ISLAND_PROPS_ATTR } from "./markers.ts";

interface BootData {
  islands: Record<string, string>;
  props: Record<string, unknown>[];
}

const data = JSON.parse(
  document.getElementById(BOOT_DATA_ID)?.textContent ?? "null",
) as BootData | null;

if (data) {
  for (const element of document.querySelectorAll(`[${ISLAND_ATTR}]`)) {
    const name = element.getAttribute(ISLAND_ATTR)!;
    const props = data.props[Number(element.getAttribute(ISLAND_PROPS_ATTR))];
    import(data.islands[name]).then(
      (module: { default: ComponentType }) =>
        hydrate(h(module.default, props), element),
      (error) => console.error(`island ${name} failed to load`, error),
    );
  }
}
