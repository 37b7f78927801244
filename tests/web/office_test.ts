/**
 * The web office in a real browser (headless Chromium through puppeteer-core) against three
 * live nodes and one dead address: one room with walls, lamps and a floor; the header says
 * "3 of 4 online" apart from the browser's link; the dead desk is offline in red with ✕ eyes
 * and its reason; an arrow travels along the floor (none under reduced motion). At 375x812
 * the desks stack with names at least 11 px tall, Allow and Deny at least 44 px tall and the
 * pending prompt above the fold. Screenshots at 1280x800 and 375x812, light and dark, go to
 * tests/web/output/ (with UPDATE_SCREENSHOTS=1: to docs/, for the README).
 */

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import type { Page } from "puppeteer-core";
import { freePorts, type Mesh, startMesh } from "../support/harness.ts";
import { chromiumSkip } from "../support/chromium.ts";
import { openWebViewer, type WebViewer } from "../support/web_viewer.ts";
import type { ViewerEvent } from "../../viewer/model/state.ts";

const skip = chromiumSkip();
if (skip) console.error(`web office browser tests skipped: ${skip}`);
// The README's pictures are rewritten only on request; a test run leaves docs/ alone.
const SHOTS = new URL(
  process.env.UPDATE_SCREENSHOTS ? "../../docs/" : "./output/",
  import.meta.url,
).pathname;

function message(id: string, from: string, to: string, text: string): ViewerEvent[] {
  const envelope = { message_id: id, from, to, message: text, sent_at: new Date().toISOString() };
  return [
    { type: "message", node: from, kind: "send", envelope },
    { type: "message", node: to, kind: "recv", envelope },
  ];
}

describe("the web office in a browser", { skip }, () => {
  let mesh: Mesh;
  let viewer: WebViewer;
  let page: Page;
  let push: (event: ViewerEvent) => void;

  before(async () => {
    mesh = await startMesh(["backend", "frontend", "tester"]);
    // A port nobody listens on: the fourth desk stays offline.
    const [dead] = await freePorts(1);
    // Actions that only say yes: Allow and Deny are live, as with an operator key.
    const operator = {
      verdict: () => Promise.resolve({ ok: true }),
      message: () => Promise.resolve({ ok: true }),
    };
    viewer = await openWebViewer(mesh, operator, [`docs=127.0.0.1:${dead}`]);
    ({ page, push } = viewer);
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await viewer?.close();
    await mesh?.close();
  });

  test("one room, 3 of 4 online, the dead address offline in red with ✕ eyes", async () => {
    await page.waitForFunction(
      `document.getElementById("online").textContent === "3 of 4 online"`,
      { timeout: 20_000 },
    );
    assert.equal(await page.$eval("#live", (e) => e.textContent), "live");
    const count = (selector: string) =>
      page.evaluate(`document.querySelectorAll("${selector}").length`);
    assert.equal(await count("#office .room .wall"), 1);
    assert.ok(await count("#office .lamp") as number >= 2);
    assert.equal(await count("#office .floor"), 1);
    await page.waitForFunction(
      `document.querySelector('[data-desk="docs"]')?.dataset.mood === "offline"`,
      { timeout: 20_000 },
    );
    const docs = await page.evaluate(`(() => {
      const g = document.querySelector('[data-desk="docs"]');
      return {
        eyes: [...g.querySelectorAll(".eye-x")].map((e) => e.textContent),
        label: g.querySelector(".moodlabel").textContent,
        color: getComputedStyle(g.querySelector(".head")).fill,
        idle: getComputedStyle(document.querySelector('[data-desk="tester"] .head')).fill,
      };
    })()`) as { eyes: string[]; label: string; color: string; idle: string };
    assert.deepEqual(docs.eyes, ["✕", "✕"]);
    assert.equal(docs.label, "offline · unreachable");
    assert.match(docs.color, /rgb\(224, 49, 49\)/);
    assert.notEqual(docs.color, docs.idle);
  });

  test("a message makes a bubble and an arrow on the floor; none under reduced motion", async () => {
    for (const e of message("w1", "frontend", "tester", "check the login flow on staging")) {
      push(e);
    }
    await page.waitForSelector('[data-flight="w1"] .head', { timeout: 5_000 });
    const bubble = await page.evaluate(
      `document.querySelector('[data-desk="frontend"] .bubble text')?.textContent`,
    );
    assert.match(String(bubble), /^check the login/);
    await page.emulateMediaFeatures([{ name: "prefers-reduced-motion", value: "reduce" }]);
    for (const e of message("w2", "tester", "frontend", "on it")) push(e);
    await page.waitForFunction(
      `document.querySelector('[data-desk="tester"]')?.dataset.mood === "talking"`,
    );
    assert.equal(await page.$('[data-flight="w2"]'), null);
    await page.emulateMediaFeatures([{ name: "prefers-reduced-motion", value: "no-preference" }]);
  });

  test("at 375x812 desks stack, names and buttons stay readable, the prompt above the fold", async () => {
    push({
      type: "permission_request",
      node: "backend",
      requestId: "abcde",
      toolName: "Bash",
      description: "Run the test suite",
      inputPreview: "npm test -- --watch=false",
      role: "backend",
      at: Date.now() - 12_000,
    });
    await page.waitForSelector('[data-prompt="backend/abcde"] [data-action="allow"]');
    await page.setViewport({ width: 375, height: 812 });
    await page.waitForFunction(
      `(() => { const xs = [...document.querySelectorAll("#office .desk .head")]
        .map((h) => Math.round(h.getBoundingClientRect().x));
        return xs.length === 4 && new Set(xs).size === 1; })()`,
    );
    // Measured in one evaluation: the office is redrawn between two of puppeteer's calls.
    const names = await page.evaluate(
      `[...document.querySelectorAll("#office .desk .name")]
        .map((e) => e.getBoundingClientRect().height)`,
    ) as number[];
    assert.equal(names.length, 4);
    for (const h of names) assert.ok(h >= 11, `desk names are ${names} px tall`);
    const buttons = await page.$$eval(
      '[data-prompt="backend/abcde"] button',
      (els) => els.map((e) => e.getBoundingClientRect().height),
    );
    for (const h of buttons) assert.ok(h >= 44, `a button is ${h} px tall`);
    const bottom = await page.$eval(
      '[data-prompt="backend/abcde"]',
      (e) => e.getBoundingClientRect().bottom,
    );
    assert.ok(bottom <= 812, `the prompt ends at ${bottom} px`);
  });

  test("screenshots at 1280x800 and 375x812, light and dark", async () => {
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
      for (const [width, height] of [[1280, 800], [375, 812]]) {
        await page.setViewport({ width, height });
        for (
          const e of message(
            `s-${scheme}-${width}`,
            "frontend",
            "tester",
            "check the login flow on staging",
          )
        ) {
          push(e);
        }
        await page.waitForSelector(`[data-flight="s-${scheme}-${width}"]`);
        await page.screenshot({ path: `${SHOTS}web-office-${width}x${height}-${scheme}.png` });
      }
    }
  });
});
