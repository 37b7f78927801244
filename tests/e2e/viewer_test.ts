/**
 * End-to-end: `viewer --once` against real nodes names every node and shows the last message
 * in the feed (without animating it: it was sent before the viewer started), also when the
 * nodes require signed requests.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { type Mesh, resultText, ROOT, startMesh } from "../support/harness.ts";

function viewerOnce(args: string[], secret: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["run", "-A", "main.ts", "viewer", "--once", ...args],
      {
        cwd: ROOT,
        env: { ...process.env, INTERCOM_SECRET: secret, NO_COLOR: "1" },
        timeout: 15_000,
      },
      (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout }),
    );
  });
}

describe("viewer --once against real nodes", () => {
  let mesh: Mesh;
  before(async () => {
    mesh = await startMesh(["backend", "frontend", "tester"], {
      env: { INTERCOM_REQUIRE_SIGNATURE: "1" },
    });
  });
  after(async () => await mesh?.close());

  test("names every node and shows the last message once", async () => {
    const sent = await mesh.node("frontend").session.call("send_message", {
      to: "backend",
      message: "what API endpoints exist for users?",
    });
    assert.match(resultText(sent), /Delivered/);
    await mesh.node("backend").session.waitForEvents(1);
    const targets = mesh.nodes.map((n) => `${n.role}=127.0.0.1:${n.port}`);
    const { code, out } = await viewerOnce(targets, mesh.secret);
    assert.equal(code, 0, out);
    for (const role of ["backend", "frontend", "tester"]) assert.match(out, new RegExp(role));
    const lines = out.split("\n").filter((l) => l.includes("what API endpoints"));
    // The feed shows it once as one line.
    assert.equal(lines.filter((l) => /frontend → backend/.test(l)).length, 1, out);
    // Sent before the viewer started: history, so nobody talks or listens because of it.
    assert.doesNotMatch(out, /talking|listening|╭/, out);
    assert.match(out, /╔═+◉/);
  });

  test("shows auth failed for a wrong secret", async () => {
    const target = `backend=127.0.0.1:${mesh.node("backend").port}`;
    const { code, out } = await viewerOnce([target], "not-the-mesh-secret-at-all");
    assert.equal(code, 1);
    assert.match(out, /auth failed/);
  });
});
