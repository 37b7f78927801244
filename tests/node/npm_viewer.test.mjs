// The web viewer of the installed package under Node: it listens with node:http (the npm build
// holds no srvx), serves its page and the SSE stream behind the token, and reads the actions'
// bodies with the node's limits. Needs npm/ built first (`npm test` does that).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { childEnv, packAndInstall, within } from "./_package.mjs";

/** @type {Awaited<ReturnType<typeof packAndInstall>>} */
let pkg;
before(async () => {
  pkg = await packAndInstall();
}, { timeout: 180_000 });
after(() => {
  if (pkg) rmSync(pkg.dir, { recursive: true, force: true });
});

test("viewer --web under Node serves the page, the stream and the actions with their limits", async () => {
  const run = mkdtempSync(join(tmpdir(), "talkie-npm-viewer-"));
  const viewer = spawn(pkg.bin, ["viewer", "--web", "alpha=127.0.0.1:1"], {
    cwd: pkg.app,
    env: childEnv({ XDG_RUNTIME_DIR: run, INTERCOM_SECRET: "viewer-secret-0123456789abcdef" }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let said = "";
  viewer.stdout.on("data", (d) => said += d);
  viewer.stderr.on("data", (d) => said += d);
  try {
    const url = await within(
      30_000,
      "the viewer's URL",
      new Promise((resolve) => {
        const check = () => {
          const m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=([\w-]+)/.exec(said);
          if (m) resolve({ base: m[1], token: m[2] });
          else setTimeout(check, 20);
        };
        check();
      }),
    );
    const page = await fetch(`${url.base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const stream = await fetch(`${url.base}/events?token=${url.token}`);
    const reader = stream.body.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /^retry: 2000/);
    await reader.cancel();
    const post = (body, type = "application/json") =>
      fetch(`${url.base}/api/message`, {
        method: "POST",
        headers: { authorization: `Bearer ${url.token}`, "content-type": type },
        body,
      });
    assert.equal((await post('{"to":"alpha","text":"hi"}')).status, 503, "no operator key");
    assert.equal((await post("x", "text/plain")).status, 415);
    assert.equal((await post("a".repeat(70_000))).status, 413);
    assert.equal((await post("{")).status, 400);
    const anonymous = await fetch(`${url.base}/api/message`, { method: "POST", body: "{}" });
    assert.equal(anonymous.status, 401);
    // The actions take the token from the Authorization header only, not from the address.
    const inAddress = await fetch(`${url.base}/api/message?token=${url.token}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"to":"alpha","text":"hi"}',
    });
    assert.equal(inAddress.status, 401);
    assert.match((await inAddress.json()).error, /Authorization: Bearer/);
  } finally {
    viewer.kill();
    rmSync(run, { recursive: true, force: true });
  }
});
