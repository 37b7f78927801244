import assert from "node:assert/strict";
import { test } from "node:test";
import { PAGE_CSS, PAGE_HTML } from "./page.ts";
import { PAGE_SCRIPT } from "./page_script.ts";

test("the page's script is valid JavaScript and never writes markup from text", () => {
  assert.doesNotThrow(() => new Function(PAGE_SCRIPT));
  assert.doesNotMatch(PAGE_SCRIPT, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
});

test("the page loads nothing from elsewhere and has no inline script or style", () => {
  for (const text of [PAGE_HTML, PAGE_CSS, PAGE_SCRIPT]) {
    assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  }
  assert.doesNotMatch(PAGE_HTML, /<script>|<style|style="|onclick=/);
});
