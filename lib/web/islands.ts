/**
 * The server half of our island layer, after Fresh's conventions. A component
 * registered here renders as usual on the server, wrapped in an element that
 * names it and points at its serialized props; the client boot
 * (`lib/web/client/boot.ts`) finds those elements and hydrates each in place.
 *
 * @module
 */

import { type ComponentType, h, options, type VNode } from "preact";
import { ISLAND_ATTR, ISLAND_PROPS_ATTR } from "./client/markers.ts";

// deno-lint-ignore no-explicit-any
type AnyComponent = ComponentType<any>;
/** A vnode of any props: pages and islands take props of their own shapes. */
// deno-lint-ignore no-explicit-any
export type AnyVNode = VNode<any>;

const registry = new Map<AnyComponent, string>();

/** Registers the islands by name, as listed in the app's manifest. */
export function registerIslands(islands: Record<string, AnyComponent>): void {
  for (const [name, component] of Object.entries(islands)) {
    registry.set(component, name);
  }
}

/** Islands met while rendering one page, with the props to serialize. */
export interface IslandCollector {
  used: Set<string>;
  props: unknown[];
}

let collecting: IslandCollector | null = null;
let wrapping = false;

const previousVnodeHook = options.vnode;
options.vnode = (vnode: AnyVNode) => {
  const name = collecting && !wrapping
    ? registry.get(vnode.type as AnyComponent)
    : undefined;
  if (name !== undefined) {
    const component = vnode.type as AnyComponent;
    const props = vnode.props;
    vnode.type = IslandMarker as AnyComponent;
    vnode.props = { name, component, props } satisfies MarkerProps;
  }
  previousVnodeHook?.(vnode);
};

interface MarkerProps {
  name: string;
  component: AnyComponent;
  props: Record<string, unknown>;
}

function IslandMarker({ name, component, props }: MarkerProps): AnyVNode {
  const collector = collecting!;
  collector.used.add(name);
  const index = collector.props.push(withoutChildren(props)) - 1;
  wrapping = true;
  try {
    const inner = h(component, props);
    return h("div", {
      [ISLAND_ATTR]: name,
      [ISLAND_PROPS_ATTR]: index,
      class: "island",
    }, inner);
  } finally {
    wrapping = false;
  }
}

function withoutChildren(props: Record<string, unknown>): unknown {
  const { children: _children, ...rest } = props;
  return rest;
}

/**
 * Runs `render` while collecting the islands it renders. Rendering is
 * synchronous, so one collector at a time is enough.
 */
export function collectIslands<T>(
  render: () => T,
): { result: T; islands: IslandCollector } {
  const islands: IslandCollector = { used: new Set(), props: [] };
  const outer = collecting;
  collecting = islands;
  try {
    return { result: render(), islands };
  } finally {
    collecting = outer;
  }
}

/**
 * Serializes boot data for a `<script type="application/json">`: nothing in
 * the result can end the script or open a comment, whatever the strings hold.
 */
export function serializeBootData(data: unknown): string {
  return JSON.stringify(data).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
