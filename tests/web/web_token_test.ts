/**
 * The web viewer's token stays with its own port: the browser that opened the viewer then
 * visits another server on 127.0.0.1 (a dev server, another user's) and that server receives
 * nothing that authenticates to the viewer, while the viewer's own page keeps working, after a
 * reload too.
 */

import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { type Mesh, startMesh, waitFor } from "../support/harness.ts";
import { chromiumSkip } from "../support/chromium.ts";
import { openWebViewer, type WebViewer } from "../support/web_viewer.ts";

const skip = chromiumSkip();

describe("viewer --web keeps its token to its own port", { skip }, () => {
  let mesh: Mesh;
  let viewer: WebViewer;
  let other: Server;
  let otherUrl = "";
  const seen: IncomingHttpHeaders[] = [];

  before(async () => {
    mesh = await startMesh(["backend"]);
    viewer = await openWebViewer(mesh);
    other = createServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(200, { "content-type": "text/html" }).end("<p>a local dev server</p>");
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const address = other.address();
    otherUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });

  after(async () => {
    await viewer?.close();
    await mesh?.close();
    await new Promise((resolve) => other?.close(resolve));
  });

  test("another server on 127.0.0.1 receives nothing that opens the viewer", async () => {
    const { page } = viewer;
    await page.waitForFunction(`document.getElementById("live")?.dataset.state === "open"`, {
      timeout: 20_000,
    });
    const token = new URL(viewer.url).searchParams.get("token")!;
    assert.ok(token.length > 20);
    const tab = await page.browser().newPage();
    try {
      await tab.goto(otherUrl + "/", { waitUntil: "load" });
      await tab.goto(otherUrl + "/", { waitUntil: "load" });
      await waitFor(() => seen.length >= 2, "the other server's requests");
      assert.equal(seen.some((h) => JSON.stringify(h).includes(token)), false);
      assert.equal(seen.some((h) => h.cookie !== undefined), false, JSON.stringify(seen));
      // Nor can the other origin read what the viewer's page keeps.
      assert.equal(await tab.evaluate(`sessionStorage.getItem("ctw_token")`), null);
    } finally {
      await tab.close();
    }
  });

  test("the viewer's own page works without the token in its address, after a reload too", async () => {
    const { page } = viewer;
    assert.equal(new URL(page.url()).search, "");
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.waitForFunction(`document.getElementById("live")?.dataset.state === "open"`, {
      timeout: 20_000,
    });
    await page.waitForSelector('[data-desk="backend"]', { timeout: 20_000 });
    // What a page of another origin gets from the viewer without the token: 401.
    const base = new URL(viewer.url).origin;
    for (const path of ["/events", "/api/message"]) {
      const response = await fetch(base + path, { method: path === "/events" ? "GET" : "POST" });
      assert.equal(response.status, 401, path);
      await response.body?.cancel();
    }
  });
});
