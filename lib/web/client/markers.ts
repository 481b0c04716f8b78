/**
 * The names the server and the client boot agree on to mark islands in HTML.
 *
 * @module
 */

/** Marks a wrapped island in the HTML: `data-island="Chat"`. */
export const ISLAND_ATTR = "data-island";
/** Index of the island's props in the page's props array. */
export const ISLAND_PROPS_ATTR = "data-island-props";
/** Id of the `application/json` script carrying the boot data. */
export const BOOT_DATA_ID = "__islands";
