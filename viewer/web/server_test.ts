import assert from "node:assert/strict";
import { test } from "node:test";
import { apply, online, T0 } from "../_fixtures.ts";
import type { ViewerState } from "../model/state.ts";
import { startWebServer } from "./server.ts";

const ask = {
  type: "permission_request" as const,
  node: "backend",
  requestId: "abcde",
  toolName: "Bash",
  description: "Run npm test",
  inputPreview: "npm test",
  role: "backend",
  at: T0,
};

async function withServer(
  operator: Parameters<typeof startWebServer>[0]["operator"],
  run: (base: string, headers: Record<string, string>) => Promise<void>,
  onVerdict?: () => void,
) {
  const state: ViewerState = apply(online(["backend"]), [ask]);
  const server = await startWebServer({ state: () => state, token: "tok", operator, onVerdict });
  try {
    await run(server.url, {
      authorization: "Bearer tok",
      "content-type": "application/json",
      origin: server.url,
    });
  } finally {
    await server.close();
  }
}

test("the web server hands a valid verdict to the operator's actions", async () => {
  const calls: unknown[] = [];
  let told = 0;
  await withServer({
    verdict: (...args) => {
      calls.push(args);
      return Promise.resolve({ ok: true });
    },
    message: () => Promise.resolve({ ok: false, error: "unused" }),
  }, async (base, headers) => {
    const body = JSON.stringify({ node: "backend", request_id: "ABCDE", behavior: "allow" });
    const r = await fetch(`${base}/api/verdict`, { method: "POST", headers, body });
    assert.deepEqual(await r.json(), { ok: true });
    assert.deepEqual(calls, [["backend", "abcde", "allow"]]);
    const bad = JSON.stringify({ node: "nobody", request_id: "abcde", behavior: "allow" });
    const r2 = await fetch(`${base}/api/verdict`, { method: "POST", headers, body: bad });
    assert.equal(r2.status, 400);
    await r2.body?.cancel();
  }, () => told++);
  assert.equal(told, 1);
});

test("the web server refuses form posts and answers without an operator key", async () => {
  await withServer(undefined, async (base, headers) => {
    const form = await fetch(`${base}/api/message`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
      body: "to=all&text=hi",
    });
    assert.equal(form.status, 415);
    await form.body?.cancel();
    const r = await fetch(`${base}/api/message`, {
      method: "POST",
      headers,
      body: JSON.stringify({ to: "all", text: "hi" }),
    });
    assert.equal(r.status, 503);
    assert.match((await r.json()).error, /No operator key/);
  });
});

test("the web server serves the page, its script and style with a strict CSP", async () => {
  await withServer(undefined, async (base, headers) => {
    for (
      const [path, type] of [["/", "text/html"], ["/app.js", "text/javascript"], [
        "/app.css",
        "text/css",
      ]]
    ) {
      const r = await fetch(`${base}${path}`, { headers });
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get("content-type") ?? "", new RegExp(type));
      assert.match(r.headers.get("content-security-policy") ?? "", /script-src 'self'/);
      await r.body?.cancel();
    }
  });
});
