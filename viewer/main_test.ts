import assert from "node:assert/strict";
import { signatureKey, verifySignature } from "../src/core/signature.ts";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Runs `viewerMain(args, env)` in a child Deno process; kills it after 10 s. */
function runViewer(args: string[], env: Record<string, string>) {
  const code = `import { viewerMain } from "./viewer/main.ts";
process.exitCode = await viewerMain(${JSON.stringify(args)}, ${JSON.stringify(env)});`;
  const child = spawn(process.execPath, ["eval", "--ext=ts", code], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => stdout += d);
  child.stderr.on("data", (d) => stderr += d);
  const timer = setTimeout(() => child.kill(), 10_000);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test("viewer --once prints one plain frame naming every node and the last message", async () => {
  const server = createServer((req, res) => {
    const headers = new Headers(req.headers as Record<string, string>);
    const signed = verifySignature(signatureKey("s3cret"), { headers, body: "GET /events" }, {
      nowSeconds: Date.now() / 1000,
    });
    if (!signed.ok) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end('{"ok":false,"error":"Wrong secret"}');
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write('event: hello\ndata: {"role":"backend","peers":["frontend"],"version":"2.1.0"}\n\n');
    const e = {
      message_id: "m1",
      from: "frontend",
      to: "backend",
      message: "what API endpoints exist?",
      sent_at: "2025-03-04T14:32:15.000Z",
    };
    res.write(`event: recv\nid: 1\ndata: ${JSON.stringify(e)}\n\n`); // and stays open
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const ok = await runViewer(["--once", `backend=127.0.0.1:${port}`], {
      INTERCOM_SECRET: "s3cret",
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /backend/);
    assert.match(ok.stdout, /frontend/);
    assert.match(ok.stdout, /frontend → backend: what API endpoints exist\?/);
    assert.ok(!ok.stdout.includes("\x1b"), "no escape codes in --once output");
    const denied = await runViewer(["--once", `backend=127.0.0.1:${port}`], {
      INTERCOM_SECRET: "wrong",
    });
    assert.equal(denied.code, 1);
    assert.match(denied.stdout, /auth failed/);
    assert.match(denied.stderr, /backend: auth failed: Wrong secret/);
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("viewer refuses bad arguments with exit code 2 and prints --help", async () => {
  const bad = await runViewer(["--fps", "99", "a=h"], {});
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--fps "99"/);
  // An empty registry: no session runs on this "machine".
  const none = await runViewer([], { INTERCOM_LOCAL_DIR: "/nonexistent/claude-talkie-walkie" });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /No nodes to watch/);
  const help = await runViewer(["--help"], {});
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: claude-talkie-walkie viewer/);
});
