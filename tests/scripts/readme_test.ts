import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

const root = new URL("../../", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");

test("README.md stays short enough to read to the end: at most 15,000 bytes", () => {
  const bytes = new TextEncoder().encode(readme).byteLength;
  assert.ok(bytes <= 15_000, `README.md is ${bytes} bytes: move reference material to docs/`);
});

test("README.md links every page of docs/ and answers which one to use", () => {
  for (const page of readdirSync(new URL("docs/", root)).filter((f) => f.endsWith(".md"))) {
    assert.ok(readme.includes(`(docs/${page}`), `README.md links docs/${page}`);
  }
  assert.match(readme, /^## Which one should I use\?$/m);
  assert.ok(
    readme.includes(
      "claude mcp add --scope user talkie-walkie -e INTERCOM_PORT=auto -- npx -y claude-talkie-walkie@2.x",
    ),
  );
  assert.ok(readme.includes("npx -y claude-talkie-walkie@2.x operator-key"));
  assert.match(readme, /npm install -g @anthropic-ai\/claude-code/);
});
