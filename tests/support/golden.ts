/**
 * Golden files: compares text with `viewer/view/__snapshots__/<name>.txt` (golden frames live beside the renderer).
 *
 * - `UPDATE_SNAPSHOTS=1` rewrites the file with the actual text (and passes);
 * - a missing file fails under `CI=true` (a golden must be committed, never invented in CI),
 *   and is written otherwise, with a note on stderr;
 * - otherwise the test fails with a line diff when the text differs.
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Folder of the golden files. */
export const SNAPSHOT_DIR = fileURLToPath(
  new URL("../../viewer/view/__snapshots__/", import.meta.url),
);

/** Path of the golden file `name` (letters, digits, `_`, `-` and `.` only). */
export function goldenPath(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new TypeError(`Golden name "${name}" may only use letters, digits, "_", "-" and "."`);
  }
  return SNAPSHOT_DIR + name + ".txt";
}

/** Options for {@linkcode assertGolden}; the environment by default. */
export interface GoldenOptions {
  env?: Record<string, string | undefined>;
}

/**
 * Asserts that `actual` equals the golden file `name`. A final newline is added to the file
 * and ignored when comparing.
 *
 * @throws {assert.AssertionError} when the text differs, or the file is missing under CI.
 * @example
 * ```ts
 * assertGolden("empty_office", "╔══╗\n╚══╝");
 * ```
 */
export function assertGolden(name: string, actual: string, options: GoldenOptions = {}): void {
  const env = options.env ?? process.env;
  const path = goldenPath(name);
  const update = env.UPDATE_SNAPSHOTS === "1";
  if (!update && !existsSync(path)) {
    if (env.CI === "true" || env.CI === "1") {
      assert.fail(`Golden file ${path} is missing: run with UPDATE_SNAPSHOTS=1 and commit it`);
    }
    process.stderr.write(`golden: writing new ${path}\n`);
  }
  if (update || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual + "\n");
    return;
  }
  const expected = readFileSync(path, "utf8").replace(/\n$/, "");
  assert.equal(actual, expected, `Frame differs from golden ${name}.txt (UPDATE_SNAPSHOTS=1)`);
}
