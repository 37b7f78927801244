import { test } from "node:test";
import assert from "node:assert/strict";
import { randomSecret, readSse, resultText } from "../support/harness.ts";
import { natsSkip, poll, useBrokerMesh } from "../support/nats.ts";

// The team's cast, one PEERS line for everyone; the host part of "frontend=…" is ignored.
const PEERS = "backend,frontend=10.9.9.9:8788,tester";
const skip = natsSkip();
const secret = randomSecret();
const mesh = useBrokerMesh(skip, { secret, env: { INTERCOM_NATS_DURABLE: "1", PEERS } });
const { started } = mesh;
const start = (role: string) => mesh.start(role);

test(
  "the first message of the morning to a roster role that never started waits and arrives once",
  { skip },
  async () => {
    const backend = await start("backend");
    assert.match(backend.stderr, /PEERS addresses are ignored in broker mode/);
    assert.equal(backend.stderr.split("\n").filter((l) => /PEERS/.test(l)).length, 1, "one line");

    // /health and the SSE hello list the roster and who is online, not the ignored addresses.
    const health = await (await fetch(`${backend.url}/health`)).json();
    assert.deepEqual(health.peers, ["frontend", "tester"]);
    assert.deepEqual(health.online, []);
    assert.equal(health.signatures[0], "v1", "v2+ fields stay");
    const controller = new AbortController();
    const events = await fetch(`${backend.url}/events`, {
      headers: { "X-Intercom-Secret": secret },
      signal: controller.signal,
    });
    const [hello] = await readSse(events, (ev) => ev.length >= 1);
    controller.abort();
    assert.equal(hello.event, "hello");
    assert.deepEqual(JSON.parse(hello.data).peers, ["frontend", "tester"]);
    assert.deepEqual(JSON.parse(hello.data).online, []);
    assert.doesNotMatch(hello.data, /10\.9\.9\.9/);

    const r = await backend.session.call("send_message", {
      to: "tester",
      message: "morning: the API is up",
    });
    assert.notEqual(r.isError, true);
    assert.match(resultText(r), /Stored for "tester".*waits in the broker/);

    const tester = await start("tester");
    const [event] = await tester.session.waitForEvents(1, { timeoutMs: 15_000 });
    assert.equal(event.content, "morning: the API is up");
    assert.equal(event.meta?.from, "backend");
    const report = await poll(
      () =>
        Promise.resolve(
          backend.session.events.find((e) => e.meta?.kind === "delivery_report"),
        ),
      "the delivery report at backend",
      15_000,
    );
    assert.equal(report.meta?.outcome, "delivered");
    await poll(async () => {
      const h = await (await fetch(`${backend.url}/health`)).json();
      return h.online.includes("tester") ? h : undefined;
    }, "tester online in backend's /health");

    // Once: a second message comes direct, and nothing of the first comes again.
    await backend.session.call("send_message", { to: "tester", message: "second" });
    const [second] = await tester.session.waitForEvents(1, { from: 1 });
    assert.equal(second.content, "second");
    assert.deepEqual(tester.session.events.map((e) => e.content), [
      "morning: the API is up",
      "second",
    ]);
  },
);

test(
  "a name outside the roster and never seen is refused as a typo, listing the roster",
  { skip },
  async () => {
    const backend = started.find((n) => n.role === "backend") ?? await start("backend");
    const r = await backend.session.call("send_message", { to: "tset", message: "x" });
    assert.equal(r.isError, true);
    assert.match(
      resultText(r),
      new RegExp(
        'No role "tset" in mesh "talkie": it is not on the roster and was never seen ' +
          '\\(a typo\\?\\); roster: "frontend", "tester"; online now: ',
      ),
    );
  },
);
