/**
 * The web page shows message text by the same rule as the terminal (`core/shown_text.ts`):
 * zero-width, bidi and separator characters that the terminal drops are not kept on the page.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Mesh, resultText, startMesh } from "../support/harness.ts";
import { chromiumSkip } from "../support/chromium.ts";
import { openWebViewer, type WebViewer } from "../support/web_viewer.ts";
import { graphemes } from "../../viewer/view/frame.ts";

const skip = chromiumSkip();

describe("viewer --web shows hostile text as the terminal does", { skip }, () => {
  let mesh: Mesh;
  let viewer: WebViewer;

  before(async () => {
    mesh = await startMesh(["backend", "frontend"]);
    viewer = await openWebViewer(mesh);
  });
  after(async () => {
    await viewer?.close();
    await mesh?.close();
  });

  test("zero-width, bidi and separator characters leave the message text", async () => {
    const text = "pay\u200b attention\u202e to\u2066 this\u2028line\u0085now\ufeff";
    const sent = await mesh.node("frontend").session.call("send_message", {
      to: "backend",
      message: text,
    });
    assert.match(resultText(sent), /Delivered/);
    await viewer.page.waitForSelector('.line[data-from="frontend"] .text', { timeout: 15_000 });
    const shown = await viewer.page.$eval(
      '.line[data-from="frontend"] .text',
      (e) => e.textContent ?? "",
    );
    assert.equal(shown, "pay attention to this line now");
    // The terminal draws the same characters.
    assert.equal(graphemes(text).map((g) => g.ch).join(""), shown);
  });
});
