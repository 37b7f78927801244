/**
 * A real browser for the web viewer's tests: Debian's `chromium` driven by `puppeteer-core`,
 * headless, with a fresh profile each launch, and a skip reason when it is not installed.
 *
 * @module
 */

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import puppeteer, { type Browser } from "puppeteer-core";

/** Where Chromium is: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(env: Record<string, string | undefined> = process.env): string {
  return env.CHROMIUM_PATH ?? "/usr/bin/chromium";
}

/**
 * The `skip` option of a browser test: `false` when Chromium is installed, else the reason.
 * Under CI (`CI=true`) a missing browser is an error unless `.ci/run` could not install it and
 * said why in `CHROMIUM_UNAVAILABLE`, so the page never goes untested unnoticed.
 *
 * @throws {Error} under CI when Chromium was expected but is missing.
 */
export function chromiumSkip(
  env: Record<string, string | undefined> = process.env,
): string | false {
  if (existsSync(chromiumPath(env))) return false;
  if (env.CI === "true" && !env.CHROMIUM_UNAVAILABLE) {
    throw new Error("chromium was expected under CI but is not installed: see .ci/run");
  }
  return `chromium is not installed (apt-get install chromium)${
    env.CHROMIUM_UNAVAILABLE ? `: ${env.CHROMIUM_UNAVAILABLE}` : ""
  }`;
}

/** A headless Chromium with its own throwaway profile; `close` removes the profile. */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "ctw-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    userDataDir: profile,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
