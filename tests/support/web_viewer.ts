/**
 * `viewer --web` in this process, watching a mesh, with a headless Chromium page open on it: the
 * setup every browser test shares.
 *
 * @module
 */

import type { Page } from "puppeteer-core";
import { viewerMain } from "../../viewer/main.ts";
import type { ViewerEvent } from "../../viewer/model/state.ts";
import type { OperatorActions } from "../../viewer/web/actions.ts";
import { launchChromium } from "./chromium.ts";
import type { Mesh } from "./mesh.ts";
import { waitFor } from "./wait.ts";

/** The viewer and its page; {@linkcode WebViewer.close} ends both. */
export interface WebViewer {
  /** The page, at 1280x800, on the viewer's URL. */
  page: Page;
  /** The URL the viewer printed, token included. */
  url: string;
  /** Feeds an event to the viewer's model as if a node had sent it. */
  push: (event: ViewerEvent) => void;
  /** Closes the browser and stops the viewer. */
  close(): Promise<void>;
}

/**
 * Starts `viewer --web` on every node of `mesh` (and the `extra` name=address targets) and
 * opens its page in Chromium.
 */
export async function openWebViewer(
  mesh: Mesh,
  operator?: OperatorActions,
  extra: readonly string[] = [],
): Promise<WebViewer> {
  const stop = new AbortController();
  let url = "";
  let push: (event: ViewerEvent) => void = () => {};
  const done = viewerMain(
    ["--web", ...mesh.nodes.map((n) => `${n.role}=127.0.0.1:${n.port}`), ...extra],
    { INTERCOM_SECRET: mesh.secret },
    {
      signal: stop.signal,
      operator,
      inject: (p) => push = p,
      onWebListening: (u) => url = u,
    },
  );
  await waitFor(() => url !== "", "the web viewer to listen", 15_000);
  const chromium = await launchChromium();
  const page = await chromium.browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(url, { waitUntil: "domcontentloaded" });
  return {
    page,
    url,
    push: (event) => push(event),
    close: async () => {
      await chromium.close();
      stop.abort();
      await done;
    },
  };
}
