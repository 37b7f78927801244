/**
 * The V8 heap settings of a long-running node under Node: a young generation that no longer
 * grows (`--semi-space-growth-factor=1`: it stays at the size it started with, 1 MB a half) and
 * an old generation collected again once it has grown by half its live size
 * (`--heap-growing-percent=50`; V8 otherwise lets it grow up to 4× and keeps the pages). Together
 * they keep the resident set flat under a stream of messages (docs/PERFORMANCE.md).
 *
 * They are set at run time, once `initialize` is answered, rather than on Node's command line:
 * any V8 flag there makes Node 22 and 24 compile their built-in modules afresh at every start
 * (about 20 ms before `initialize`). Deno takes them from its command (`--v8-flags`).
 *
 * @module
 */

import process from "node:process";
import { isDeno } from "./runtime.ts";

/** The V8 flags {@linkcode tuneHeap} sets. */
export const HEAP_FLAGS: readonly string[] = [
  "--semi-space-growth-factor=1",
  "--heap-growing-percent=50",
];

/** Sets {@linkcode HEAP_FLAGS} under Node; does nothing under Deno. */
export function tuneHeap(): void {
  if (isDeno) return;
  const v8 = process.getBuiltinModule("node:v8");
  for (const flag of HEAP_FLAGS) v8.setFlagsFromString(flag);
}
