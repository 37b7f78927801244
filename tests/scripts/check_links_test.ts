import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import process from "node:process";
// @ts-types="./check_links.d.ts"
import { anchors, brokenLinks, slug } from "../../scripts/check_links.mjs";

const script = new URL("../../scripts/check_links.mjs", import.meta.url).pathname;

test("slug follows GitHub's heading ids", () => {
  assert.equal(slug("Which one should I use?"), "which-one-should-i-use");
  assert.equal(slug("`INTERCOM_PORT=auto` on one machine"), "intercom_portauto-on-one-machine");
  assert.deepEqual([...anchors("# A\n## A\n```\n# not a heading\n```\n")], ["a", "a-1"]);
});

test("brokenLinks reports a missing file and a missing heading, not URLs or code", () => {
  const dir = mkdtempSync(join(tmpdir(), "ctw-links-"));
  try {
    mkdirSync(join(dir, "docs"));
    writeFileSync(join(dir, "docs", "page.md"), "# Page\n## Set up\n");
    writeFileSync(
      join(dir, "README.md"),
      [
        "[ok](docs/page.md) [ok](docs/page.md#set-up) [web](https://example.com/x.md)",
        "[gone](docs/gone.md) [bad anchor](docs/page.md#nothing) `[code](nope.md)`",
        "```",
        "[fenced](nope.md)",
        "```",
        "[self](#readme-heading)",
      ].join("\n"),
    );
    const problems = brokenLinks(join(dir, "README.md"));
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.match(problems[0], /:2: docs\/gone\.md: .*does not exist/);
    assert.match(problems[1], /:2: docs\/page\.md#nothing: .*no heading with the id "nothing"/);
    assert.match(problems[2], /:6: #readme-heading: /);
    // The gate's step: exit 1 and one line per broken link.
    const run = spawnSync("node", [script, join(dir, "README.md")], { encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /3 broken relative links/);
    const clean = spawnSync("node", [script, join(dir, "docs", "page.md")], {
      encoding: "utf8",
      env: process.env,
    });
    assert.equal(clean.status, 0, clean.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
