/**
 * The package version, kept equal to `deno.json` (a test checks it; the npm build reads it).
 *
 * @module
 */

/** Version of claude-talkie-walkie. */
export const VERSION = "2.1.0";
