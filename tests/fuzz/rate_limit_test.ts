/**
 * Fuzz, second block: with a rate limit of burst 10, a burst from one sender (by the secret
 * header or signed) is refused 429 with Retry-After, other senders still pass, and a retry
 * after the wait is delivered (issue 5, "Proof").
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { signatureKey, signHeaders } from "../../src/core/signature.ts";
import {
  freePorts,
  jsonRpcProblems,
  NodeProcess,
  randomSecret,
  waitFor,
} from "../support/harness.ts";
import { ROLE } from "./_case.ts";

describe("fuzz: the rate limit (60 a minute, burst 10) answers 429 with Retry-After", () => {
  let node: NodeProcess;
  let secret: string;
  before(async () => {
    const [port] = await freePorts(1);
    secret = randomSecret();
    // A burst of 10 (the default is 20) keeps the flood short; the mechanism is the same.
    node = NodeProcess.spawn({ role: ROLE, port, secret, env: { INTERCOM_RATE_BURST: "10" } });
    await node.waitListening();
    await node.connect();
  });
  after(async () => {
    await node?.stop();
  });

  const send = (body: Record<string, unknown> | string, headers: Record<string, string> = {}) =>
    fetch(`${node.url}/message`, {
      method: "POST",
      headers: {
        "x-intercom-secret": secret,
        "content-type": typeof body === "string" ? "text/plain" : "application/json",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  test("a burst over 10 from one sender is refused 429, others still pass, retries later work", async () => {
    const answers: { id: string; status: number; retryAfter: string | null; body: unknown }[] = [];
    for (let i = 0; i < 16; i++) {
      const id = `flood-${i}`;
      const r = await send({ from: "flooder", message: `flood ${i}`, message_id: id });
      answers.push({
        id,
        status: r.status,
        retryAfter: r.headers.get("retry-after"),
        body: await r.json(),
      });
    }
    const accepted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(accepted.length + refused.length, answers.length, JSON.stringify(answers));
    assert.deepEqual(answers.slice(0, 10).map((a) => a.status), Array(10).fill(200));
    assert.ok(refused.length >= 4, `at least 4 of 16 refused: ${JSON.stringify(answers)}`);
    for (const a of refused) {
      assert.match(a.retryAfter ?? "", /^[1-9]\d*$/, "Retry-After in whole seconds");
      assert.ok(Number(a.retryAfter) <= 60);
      const body = a.body as Record<string, unknown>;
      assert.equal(body.ok, false);
      assert.match(String(body.error), /flooder/);
    }
    // Another sender (also as a text/plain webhook) has its own bucket.
    const other = await send("from elsewhere", { "x-intercom-from": "bystander" });
    assert.equal(other.status, 200);
    const otherId = (await other.json()).message_id;

    // Retried later, the refused message (same id) is accepted, and not as a duplicate. The
    // bucket refills with time (core/rate_limit_test.ts checks when, on given clock values), so
    // the retry is repeated until it passes: each try before that is a plain 429.
    const first = refused[0];
    const retry = await waitFor(
      async () => {
        const r = await send({ from: "flooder", message: `flood retry`, message_id: first.id });
        const body = await r.json();
        if (r.status === 429) return undefined;
        return { status: r.status, body };
      },
      "the refused message to be accepted on a retry",
      { timeoutMs: 15_000, everyMs: 250 },
    );
    assert.deepEqual(retry, { status: 200, body: { ok: true, message_id: first.id } });

    const expected = [...accepted.map((a) => a.id), otherId, first.id];
    // The retry was sent last: once its event is in, a refused request's would be too.
    await node.session.waitForEvents(expected.length);
    assert.deepEqual(node.session.events.map((e) => e.meta?.message_id), expected);
    assert.equal(node.exit, undefined);
    assert.deepEqual(jsonRpcProblems(node.stdoutLines), []);
  });

  test("signed requests are limited by sender too, with Retry-After", async () => {
    const key = signatureKey(secret);
    let limited: Response | undefined;
    for (let i = 0; i < 16 && !limited; i++) {
      const body = JSON.stringify({ from: "signer", message: `signed ${i}` });
      const r = await fetch(`${node.url}/message`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...signHeaders(key, {
            id: `signed-${i}`,
            timestamp: Math.floor(Date.now() / 1000),
            body,
          }),
        },
        body,
      });
      if (r.status === 429) limited = r;
      else {
        assert.equal(r.status, 200);
        await r.body?.cancel();
      }
    }
    assert.ok(limited, "a 429 within 16 signed requests");
    assert.match(limited.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
    assert.equal((await limited.json()).ok, false);
  });
});
