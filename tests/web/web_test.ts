/**
 * The web viewer in a real browser (headless Chromium through puppeteer-core) against a live
 * three-node mesh: three desks, a message shown once with its delivery state, a permission
 * prompt answered with Allow (through a fake of the operator's signed actions), the composer,
 * a node that stops turning offline. Screenshots at 1280x800 and 390x844 go to
 * tests/web/output/ (gitignored) for a person to look at.
 */

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { Page } from "puppeteer-core";
import { type Mesh, resultText, startMesh, waitFor } from "../support/harness.ts";
import { chromiumSkip } from "../support/chromium.ts";
import { openWebViewer, type WebViewer } from "../support/web_viewer.ts";
import type { ViewerEvent } from "../../viewer/model/state.ts";
import type { ActionResult, OperatorActions } from "../../viewer/web/actions.ts";

const skip = chromiumSkip();
// deno test shows a skipped test as "ignored" without the reason: say it.
if (skip) console.error(`viewer --web browser tests skipped: ${skip}`);
const OUTPUT = new URL("./output/", import.meta.url).pathname;

/** Records what the page asked the operator to sign. */
class FakeOperator implements OperatorActions {
  verdicts: [string, string, string][] = [];
  messages: [string, string][] = [];
  verdict(node: string, requestId: string, behavior: "allow" | "deny"): Promise<ActionResult> {
    this.verdicts.push([node, requestId, behavior]);
    return Promise.resolve({ ok: true });
  }
  message(to: string, text: string): Promise<ActionResult> {
    this.messages.push([to, text]);
    return Promise.resolve({ ok: true });
  }
}

/** A page expression: the desk `key` shows `mood`. */
const moodIs = (key: string, mood: string) =>
  `document.querySelector('[data-desk="${key}"]')?.dataset.mood === "${mood}"`;

const moods = (page: Page) =>
  page.$$eval(
    "[data-desk]",
    (els) => els.map((e) => [e.getAttribute("data-desk"), e.getAttribute("data-mood")]),
  );

describe("viewer --web in a browser", { skip }, () => {
  let mesh: Mesh;
  let viewer: WebViewer;
  let page: Page;
  let push: (event: ViewerEvent) => void;
  const operator = new FakeOperator();

  before(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    mesh = await startMesh(["backend", "frontend", "tester"]);
    viewer = await openWebViewer(mesh, operator);
    ({ page, push } = viewer);
  });

  after(async () => {
    await viewer?.close();
    await mesh?.close();
  });

  test("shows three desks, every node online", async () => {
    await page.waitForFunction(
      `[...document.querySelectorAll("[data-desk]")].map((d) => d.dataset.mood).join() ===
        "idle,idle,idle"`,
      { timeout: 20_000 },
    );
    assert.deepEqual((await moods(page)).map((m) => m[0]).sort(), [
      "backend",
      "frontend",
      "tester",
    ]);
    assert.equal(new URL(page.url()).search, "", "the token left the address bar");
    // Per node: address, version and the latency of the viewer's connection.
    const facts = await page.$eval('[data-node="backend"] dl', (dl) => dl.textContent ?? "");
    assert.match(facts, /address.*version.*latency\d+ ms/s);
  });

  test("shows a message sent through the mesh once, with its delivery state", async () => {
    const text = "what API endpoints exist for <users>?";
    const sent = await mesh.node("frontend").session.call("send_message", {
      to: "backend",
      message: text,
    });
    assert.match(resultText(sent), /Delivered/);
    await page.waitForSelector(
      '.line[data-from="frontend"] .mark[data-peer="backend"][data-state="delivered"]',
      {
        timeout: 15_000,
      },
    );
    const lines = await page.$$eval(".line .text", (els) => els.map((e) => e.textContent));
    assert.equal(lines.filter((l) => l === text).length, 1, JSON.stringify(lines));
    // Text is text: the angle brackets did not become markup.
    assert.equal(await page.$("users"), null);
    const id = await page.$eval('.line[data-from="frontend"]', (e) => e.getAttribute("data-id"));
    await mesh.node("backend").session.call("send_message", {
      to: "frontend",
      message: "GET /users and GET /users/:id",
      reply_to: id,
    });
    const reply = await page.waitForSelector('.line[data-from="backend"] .reply', {
      timeout: 15_000,
    });
    assert.match(await reply!.evaluate((e) => e.textContent ?? ""), /frontend: what API/);
  });

  test("shows a pending prompt whose Allow button asks the operator for a verdict", async () => {
    push({
      type: "permission_request",
      node: "backend",
      requestId: "abcde",
      toolName: "Bash",
      description: "Run the test suite",
      inputPreview: "npm test -- --watch=false",
      role: "backend",
      at: Date.now(),
    });
    await page.waitForSelector(
      '[data-prompt="backend/abcde"] [data-action="allow"]:not([disabled])',
    );
    await page.waitForFunction(moodIs("backend", "waiting"));
    await page.screenshot({ path: `${OUTPUT}web-1280x800.png` });
    await page.setViewport({ width: 390, height: 844 });
    await page.screenshot({ path: `${OUTPUT}web-390x844.png`, fullPage: true });
    await page.setViewport({ width: 1280, height: 800 });
    await page.click('[data-prompt="backend/abcde"] [data-action="allow"]');
    await waitFor(() => operator.verdicts.length === 1, "the verdict");
    assert.deepEqual(operator.verdicts, [["backend", "abcde", "allow"]]);
    await page.waitForFunction(`!document.querySelector('[data-prompt="backend/abcde"]')`);
  });

  test("sends an operator message from the composer", async () => {
    await page.select("#to", "tester");
    await page.type("#text", "please run the e2e suite");
    await page.click("#send");
    await waitFor(() => operator.messages.length === 1, "the operator message");
    assert.deepEqual(operator.messages, [["tester", "please run the e2e suite"]]);
  });

  test("shows a node that stops as offline", async () => {
    await mesh.node("tester").stop();
    await page.waitForFunction(moodIs("tester", "offline"), { timeout: 15_000 });
    const cards = await page.$eval('[data-node="tester"]', (e) => e.textContent ?? "");
    assert.match(cards, /last error/);
  });
});
