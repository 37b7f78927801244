/**
 * End-to-end: the secret never appears in any output (issue 5, "Secrets and untrusted text").
 *
 * A full run with a distinctive secret (`leak-canary-…`): three nodes and a fourth that comes up
 * late, messages both ways, a broadcast, list_peers, an unknown peer, a peer that is down, a
 * peer with another secret, the loop guard, webhooks with wrong secrets and bad signatures, the
 * rate limit, /health, /events, `--help` and start-up errors. Everything captured (stdout lines,
 * stderr, tool results, channel events, HTTP answers with their headers, SSE text, and every byte
 * between the nodes) is then searched for the secret, its base64 forms and its random part.
 *
 * The `whsec_` form of the secret has its own block in secret_leak_whsec_test.ts.
 */

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { requestLine, signatureKey, signHeaders } from "../../src/core/signature.ts";
import type { CallToolResult } from "../../src/platform/sdk.ts";
import {
  freePorts,
  jsonRpcProblems,
  NodeProcess,
  randomSecret,
  resultText,
  SseStream,
  waitFor,
} from "../support/harness.ts";
import { type Captured, forms, leaks, readSseText, runCli } from "../support/leak_capture.ts";
import { RecordingProxy } from "../support/recording_proxy.ts";
import { reportsIn } from "../support/delivery_peers.ts";

describe("the secret appears in no output of a full end-to-end run", () => {
  const secretTail = randomSecret();
  const secret = `leak-canary-${secretTail}`;
  const otherTail = randomSecret();
  const otherSecret = `leak-canary-locked-${otherTail}`;
  const allForms = () => [...forms(secret, [secretTail]), ...forms(otherSecret, [otherTail])];
  const captured: Captured[] = [];
  const record = (where: string, text: string) => captured.push({ where, text });
  let ports: Record<"alpha" | "beta" | "gamma" | "locked", number>;
  const proxies: Record<string, RecordingProxy> = {};
  let alpha: NodeProcess, beta: NodeProcess, locked: NodeProcess;
  let gamma: NodeProcess | undefined;
  const nodes = () => [alpha, beta, locked, gamma].filter((n): n is NodeProcess => !!n);

  before(async () => {
    const [a, b, g, l] = await freePorts(4);
    ports = { alpha: a, beta: b, gamma: g, locked: l };
    for (const [name, port] of Object.entries({ alpha: a, beta: b, locked: l })) {
      proxies[name] = await RecordingProxy.start(port);
    }
    alpha = NodeProcess.spawn({
      role: "alpha",
      port: a,
      secret,
      peers: { beta: proxies.beta.port, gamma: g, locked: proxies.locked.port },
      // Many wrong secrets on purpose, then right ones: the guessing throttle would refuse
      // those (its log line is searched in tests/e2e/edge_test.ts).
      env: { INTERCOM_AUTH_FAILURE_LIMIT: "0" },
    });
    beta = NodeProcess.spawn({
      role: "beta",
      port: b,
      secret,
      peers: { alpha: proxies.alpha.port },
      // The loop guard's refusal is one more text to search.
      env: { INTERCOM_SEND_LIMIT: "3" },
    });
    locked = NodeProcess.spawn({
      role: "locked",
      port: l,
      secret: otherSecret,
      peers: { alpha: proxies.alpha.port },
    });
    await Promise.all([alpha, beta, locked].map((n) => n.waitListening()));
    await Promise.all([alpha, beta, locked].map((n) => n.connect()));
  });
  after(async () => {
    await Promise.all(nodes().map((n) => n.stop()));
    await Promise.all(Object.values(proxies).map((p) => p.close()));
  });

  async function call(node: NodeProcess, name: string, args: Record<string, unknown> = {}) {
    const result: CallToolResult = await node.session.call(name, args);
    record(`${node.role} tool ${name} ${JSON.stringify(args)}`, JSON.stringify(result));
    return result;
  }

  async function http(where: string, url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    const headers: string[] = [];
    response.headers.forEach((v, k) => headers.push(`${k}: ${v}`));
    const sse = /event-stream/.test(response.headers.get("content-type") ?? "");
    const text = sse ? "" : await response.text();
    record(
      `HTTP ${where}`,
      `${response.status} ${response.statusText}\n${headers.join("\n")}\n\n${text}`,
    );
    return sse
      ? response
      : new Response(text, { status: response.status, headers: response.headers });
  }

  test("--help, --version and start-up errors print no secret", async () => {
    const env = { INTERCOM_SECRET: secret };
    const dir = await mkdtemp(join(tmpdir(), "leak-"));
    const secretFile = join(dir, "secret");
    await writeFile(secretFile, `${secret}\n`);
    const runs: [string, string[], Record<string, string>][] = [
      ["--help", ["--help"], env],
      ["-h", ["-h"], env],
      ["--version", ["--version"], env],
      ["bad port", [], { ...env, INTERCOM_PORT: "not-a-port" }],
      ["unknown flag", ["--bogus"], env],
      ["missing --secret-file", ["--secret-file", join(dir, "missing")], {}],
      ["--secret-file and a bad port", ["--secret-file", secretFile, "--port", "x"], {}],
      ["bad PEERS", [], { ...env, PEERS: "beta gamma" }],
      ["invalid whsec_ secret", [], { INTERCOM_SECRET: `whsec_${secret}!`, INTERCOM_PORT: "0" }],
      ["bad rate limit", [], { ...env, INTERCOM_RATE_LIMIT: "-1" }],
    ];
    // Three at a time: ten runtimes starting at once on a small, busy machine are slow.
    const results: Awaited<ReturnType<typeof runCli>>[] = [];
    for (let i = 0; i < runs.length; i += 3) {
      results.push(
        ...await Promise.all(runs.slice(i, i + 3).map(([, args, e]) => runCli(args, e))),
      );
    }
    await rm(dir, { recursive: true, force: true });
    runs.forEach(([what], i) => {
      const { exit, stdout, stderr } = results[i];
      record(`CLI ${what} stdout`, stdout);
      record(`CLI ${what} stderr`, stderr);
      record(`CLI ${what} exit`, JSON.stringify(exit));
    });
    assert.match(results[0].stdout, /Usage:/);
    assert.match(results[2].stdout, /^\d+\.\d+\.\d+/);
    for (const i of [3, 4, 5, 6, 7, 9]) assert.notEqual(results[i].exit.code, 0, runs[i][0]);
    // The whsec_ error names the variable, not its value.
    assert.match(results[8].stderr, /INTERCOM_SECRET/);
  });

  test("messages both ways, a broadcast, list_peers, an unknown, a down and a locked peer", async () => {
    const hello = await call(alpha, "send_message", { to: "beta", message: "hello beta" });
    assert.equal(hello.isError, undefined, resultText(hello));
    const [atBeta] = await beta.session.waitForEvents(1);
    assert.equal(atBeta.content, "hello beta");

    const reply = await call(beta, "send_message", {
      to: "alpha",
      message: "hello alpha",
      reply_to: atBeta.meta?.message_id,
    });
    assert.equal(reply.isError, undefined, resultText(reply));
    await alpha.session.waitForEvents(1);

    const broadcast = await call(alpha, "broadcast_message", { message: "status, everyone?" });
    assert.match(resultText(broadcast), /Delivered to 1 of 3 peers, 1 queued, 1 refused/);
    assert.match(resultText(broadcast), /wrong secret/);

    const peers = await call(alpha, "list_peers");
    assert.match(resultText(peers), /- beta .*online/);
    assert.match(resultText(peers), /- gamma .*offline/);
    await call(beta, "list_peers");
    await call(locked, "list_peers");

    const unknown = await call(alpha, "send_message", { to: "nobody", message: "hi" });
    assert.equal(unknown.isError, true);
    const down = await call(alpha, "send_message", { to: "gamma", message: "wait for me" });
    assert.match(resultText(down), /Queued for "gamma"/);
    const refused = await call(alpha, "send_message", { to: "locked", message: "open up" });
    assert.equal(refused.isError, true);
    assert.match(resultText(refused), /401/);
    // locked tries the other way, with its own secret: alpha refuses it.
    const back = await call(locked, "send_message", { to: "alpha", message: "let me in" });
    assert.equal(back.isError, true);

    // beta's loop guard (3 a minute) holds the next messages back.
    let guarded: CallToolResult | undefined;
    for (let i = 0; i < 4 && !guarded; i++) {
      const r = await call(beta, "send_message", { to: "alpha", message: `ping ${i}` });
      if (r.isError) guarded = r;
    }
    assert.ok(guarded, "the loop guard refused one");
    assert.match(resultText(guarded), /Loop guard/);
    await call(beta, "send_message", { message: "" });
    await call(beta, "broadcast_message", { message: "x", exclude: ["zeta"] });
  });

  test("webhooks with wrong secrets and bad signatures, the rate limit, /health and /events", async () => {
    const events = await http("alpha GET /events", `${alpha.url}/events`, {
      headers: { "x-intercom-secret": secret },
    });
    assert.equal(events.status, 200);
    const alphaSse = new SseStream(events);
    // The hello comes once the stream follows alpha's hub: what follows is on it.
    await alphaSse.hello();

    const key = signatureKey(secret);
    const url = `${alpha.url}/message`;
    const body = JSON.stringify({ from: "ci", message: "from a webhook" });
    const now = Math.floor(Date.now() / 1000);
    const signed = (k: Uint8Array, id: string, timestamp = now, b = body) =>
      signHeaders(k, { id, timestamp, body: b });
    const cases: [string, number, Record<string, string>, string?][] = [
      ["missing secret", 401, {}],
      ["wrong secret", 401, { "x-intercom-secret": "wrong" }],
      ["secret prefix", 401, { "x-intercom-secret": secret.slice(0, -1) }],
      ["other node's secret", 401, { "x-intercom-secret": otherSecret }],
      ["signed with a wrong key", 401, signed(signatureKey(otherSecret), "wh-1")],
      ["signed, body tampered", 401, signed(key, "wh-2", now, body + " ")],
      ["signed, stale", 401, signed(key, "wh-3", now - 3_600)],
      ["signed, future", 401, signed(key, "wh-4", now + 3_600)],
      ["bad JSON", 400, { "x-intercom-secret": secret }, "{"],
      ["to another role", 421, { "x-intercom-secret": secret }, '{"message":"x","to":"beta"}'],
      ["signed, good", 200, signed(key, "wh-5")],
      ["secret header, good", 200, { "x-intercom-secret": secret }],
    ];
    for (const [what, status, headers, b] of cases) {
      const r = await http(`alpha POST /message ${what}`, url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: b ?? body,
      });
      assert.equal(r.status, status, `${what}: ${await r.clone().text()}`);
    }
    // Rate limit: the 21st message from one sender in a burst is refused with 429.
    let limited = false;
    for (let i = 0; i < 22 && !limited; i++) {
      const r = await http(`alpha POST /message flood ${i}`, url, {
        method: "POST",
        headers: { "x-intercom-secret": secret, "content-type": "application/json" },
        body: JSON.stringify({ from: "flooder", message: `flood ${i}` }),
      });
      limited = r.status === 429;
    }
    assert.ok(limited, "a 429 within 22");

    for (const node of [alpha, beta, locked]) {
      await http(`${node.role} GET /health`, `${node.url}/health`);
      await http(`${node.role} HEAD /health`, `${node.url}/health`, { method: "HEAD" });
      await http(`${node.role} GET /nowhere`, `${node.url}/nowhere`);
      await http(`${node.role} GET /message`, `${node.url}/message`);
    }
    const denied = await http("alpha GET /events wrong secret", `${alpha.url}/events`, {
      headers: { "x-intercom-secret": "nope" },
    });
    assert.equal(denied.status, 401);
    await http("alpha GET /events bad signature", `${alpha.url}/events`, {
      headers: signed(signatureKey("nope"), "ev-1", now, ""),
    });
    const signedEvents = await http("beta GET /events signed", `${beta.url}/events`, {
      headers: signed(signatureKey(secret), "ev-2", now, requestLine("GET", "/events")),
    });
    assert.equal(signedEvents.status, 200);
    const betaSse = readSseText(signedEvents, (t) => /event: hello/.test(t));

    const marker = await http("alpha POST /message marker", url, {
      method: "POST",
      headers: { "x-intercom-secret": secret, "content-type": "text/plain" },
      body: "webhook marker",
    });
    assert.equal(marker.status, 200);
    await alphaSse.until((_, t) => t.includes("webhook marker"));
    await alphaSse.close();
    const text = alphaSse.text;
    record("alpha SSE", text);
    assert.match(text, /event: hello/);
    assert.match(text, /event: recv/);
    record("beta SSE", await betaSse);
  });

  test("a peer that comes up takes its queue; a node stopping keeps what is left", async () => {
    const reportsFrom = alpha.session.events.length;
    gamma = NodeProcess.spawn({
      role: "gamma",
      port: ports.gamma,
      secret,
      peers: { alpha: proxies.alpha.port },
    });
    await gamma.waitListening();
    await gamma.connect();
    await gamma.session.waitForEvents(2, { timeoutMs: 15_000 });
    await waitFor(
      () => reportsIn(alpha.session.events.slice(reportsFrom)).length >= 2,
      "alpha's delivery reports",
      10_000,
    );
    await call(gamma, "list_peers");
    const before = alpha.session.events.length;
    await call(gamma, "send_message", { message: "thanks, alpha" });
    await alpha.session.waitForEvents(1, { from: before });
    // gamma goes away; alpha queues for it, then stops with the queue still full.
    await gamma.stop();
    const queued = await call(alpha, "send_message", { to: "gamma", message: "gone again?" });
    assert.match(resultText(queued), /Queued/);
    const stops = await Promise.all([alpha, beta, locked].map((n) => n.stop()));
    assert.match(alpha.stderr, /1 queued message\(s\) to "gamma" wait in \S+ for the next start/);
    for (const [i, n] of [alpha, beta, locked].entries()) {
      assert.equal(stops[i].code, 0, `${n.role} exited cleanly`);
    }
  });

  test("grep: the secret is nowhere in what was captured, nor on the wire", () => {
    for (const node of nodes()) {
      record(`${node.role} stdout`, node.stdoutLines.join("\n"));
      record(`${node.role} stderr`, node.stderr);
      record(`${node.role} channel events`, JSON.stringify(node.session.events));
      record(`${node.role} client errors`, node.session.errors.map(String).join("\n"));
      assert.deepEqual(jsonRpcProblems(node.stdoutLines), [], `${node.role} stdout`);
    }
    const wire = Object.entries(proxies).map(([name, p]) => ({
      where: `wire to ${name}`,
      text: p.text(),
    }));
    const total = captured.reduce((n, c) => n + c.text.length, 0);
    const wireBytes = wire.reduce((n, c) => n + c.text.length, 0);
    console.log(
      `searched ${captured.length} outputs (${total} characters) and ${wireBytes} bytes of ` +
        `node-to-node traffic for ${allForms().length} forms of the two secrets`,
    );
    // Sanity: the search would see it, and there was traffic and output to search.
    assert.ok(total > 20_000, `${total} characters captured`);
    assert.ok(wire.every((w) => w.text.includes("POST /message")), "every proxy saw messages");
    for (const planted of [secret, btoa(secret), secretTail.toUpperCase()]) {
      const found = leaks([{ where: "probe", text: `x${planted}x` }], allForms());
      assert.ok(found.length > 0, `the search finds a planted ${planted}`);
    }
    // Signatures went over the wire instead of the secret: no node sent the secret header.
    assert.match(wire[0].text, /webhook-signature: v1,/i);
    for (const w of wire) assert.doesNotMatch(w.text, /x-intercom-secret/i, w.where);
    assert.deepEqual(leaks([...captured, ...wire], allForms()), []);
  });
});
