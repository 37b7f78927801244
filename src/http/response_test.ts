import { test } from "node:test";
import assert from "node:assert/strict";
import { JsonResponse } from "./response.ts";

const make = () =>
  new JsonResponse(429, '{"ok":false,"error":"slow down"}', {
    "content-type": "application/json; charset=utf-8",
    "retry-after": "3",
  }) as unknown as Response;

test("JsonResponse is a Response to instanceof and to its readers", async () => {
  const res = make();
  assert.ok(res instanceof Response);
  assert.equal(res.status, 429);
  assert.equal(res.ok, false);
  assert.equal(res.headers.get("retry-after"), "3");
  assert.equal(res.bodyUsed, false);
  assert.deepEqual(await res.clone().json(), { ok: false, error: "slow down" });
  assert.equal(await res.text(), '{"ok":false,"error":"slow down"}');
  assert.equal(res.bodyUsed, true);
});

test("JsonResponse gives its body as a stream when asked", async () => {
  const text = await new Response(make().body).text();
  assert.equal(text, '{"ok":false,"error":"slow down"}');
  assert.equal(new TextDecoder().decode(await make().arrayBuffer()), text);
});
