/**
 * The collector's version, written into every file header.
 *
 * @module
 */

/** Version of this program (keep in step with `deno.json`). */
export const VERSION = "0.1.0";
