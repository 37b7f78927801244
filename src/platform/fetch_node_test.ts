import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { nodeFetch } from "./fetch_node.ts";

async function server(handler: Parameters<typeof createServer>[1]) {
  const s = createServer(handler);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => (s.closeAllConnections(), s.close(r))),
  };
}

test("nodeFetch sends method, headers and body, and returns status, headers and body", async () => {
  const s = await server((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (c) => body += c);
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/json", "retry-after": "3" });
      res.end(JSON.stringify({ method: req.method, type: req.headers["content-type"], body }));
    });
  });
  try {
    const res = await nodeFetch()(`${s.url}/message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"a":1}',
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("retry-after"), "3");
    assert.deepEqual(await res.json(), {
      method: "POST",
      type: "application/json",
      body: '{"a":1}',
    });
  } finally {
    await s.close();
  }
});

test("nodeFetch rejects with the signal's TimeoutError when no answer comes", async () => {
  const s = await server(() => {/* never answers */});
  try {
    await assert.rejects(
      nodeFetch()(`${s.url}/health`, { signal: AbortSignal.timeout(30) }),
      (e: Error) => e.name === "TimeoutError",
    );
  } finally {
    await s.close();
  }
});

test("nodeFetch keeps the socket error's code (ECONNREFUSED)", async () => {
  const s = await server((_req, res) => res.end());
  const url = s.url;
  await s.close();
  await assert.rejects(
    nodeFetch()(`${url}/health`),
    (e: { code?: string }) => e.code === "ECONNREFUSED",
  );
});

test("nodeFetch answers like fetch for what callers read: ok, headers in any case, text, cancel", async () => {
  const s = await server((_req, res) => {
    res.writeHead(404, { "Retry-After": "7", "content-type": "text/plain" });
    res.end("no such route");
  });
  try {
    const f = nodeFetch();
    const res = await f(new URL(`${s.url}/x`), { headers: new Headers({ "x-a": "1" }) });
    assert.equal(res.ok, false);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("RETRY-AFTER"), "7");
    assert.equal(res.headers.get("location"), null);
    assert.equal(await res.text(), "no such route");
    const again = await f(`${s.url}/y`);
    await again.body?.cancel();
    assert.equal(again.status, 404);
  } finally {
    await s.close();
  }
});
