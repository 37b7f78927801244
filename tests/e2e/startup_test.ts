/**
 * End-to-end: the start-up front end of `deno run -A main.ts`. It answers `initialize` before
 * the node has loaded, then hands the whole session to the node's MCP server: nothing is
 * answered twice, nothing is lost, the order is kept, and stdout carries only JSON-RPC.
 */

import assert from "node:assert/strict";
import { after, test } from "node:test";
import {
  freePorts,
  jsonRpcProblems,
  type NodeOptions,
  NodeProcess,
  randomSecret,
  resultText,
  waitFor,
} from "../support/harness.ts";

const nodes: NodeProcess[] = [];
after(() => Promise.all(nodes.map((n) => n.stop())));

async function spawn(options: Partial<NodeOptions> = {}): Promise<NodeProcess> {
  const [port] = await freePorts(1);
  const node = NodeProcess.spawn({ role: "starter", port, secret: randomSecret(), ...options });
  nodes.push(node);
  return node;
}

const initialize = (id: number, name = "claude-code") => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name, version: "1" } },
});
const lines = (...messages: unknown[]) => messages.map((m) => JSON.stringify(m) + "\n").join("");
/** The JSON-RPC messages the node wrote that answer request `id`. */
const answers = (node: NodeProcess, id: number) =>
  node.stdoutLines.map((l) => JSON.parse(l)).filter((m) => m.id === id && !("method" in m));

test("initialize, initialized and tools/list in one write: each answered once, in order", async () => {
  const node = await spawn();
  node.child.stdin!.write(lines(
    initialize(1),
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { jsonrpc: "2.0", id: 2, method: "tools/list" },
    { jsonrpc: "2.0", id: 3, method: "ping" },
  ));
  await waitFor(() => answers(node, 3).length > 0, "the answer to ping", 30_000);
  assert.deepEqual(jsonRpcProblems(node.stdoutLines), []);
  const [init] = answers(node, 1);
  assert.equal(init.result.serverInfo.name, "talkie-walkie");
  assert.deepEqual(init.result.capabilities.experimental, { "claude/channel": {} });
  assert.match(init.result.instructions, /You are "starter"/);
  assert.equal(answers(node, 1).length, 1, node.stdoutLines.join("\n"));
  assert.equal(answers(node, 2).length, 1);
  assert.ok(
    answers(node, 2)[0].result.tools.some((t: { name: string }) => t.name === "send_message"),
  );
  const order = node.stdoutLines.map((l) => JSON.parse(l).id);
  assert.deepEqual(order, [1, 2, 3]);
});

test("a client that closes stdin right after initialize: the node exits 0, no crash", async () => {
  const node = await spawn();
  node.child.stdin!.write(lines(initialize(0, "codex-mcp-client")));
  await waitFor(() => answers(node, 0).length > 0, "the answer to initialize", 30_000);
  node.closeStdin();
  const exit = await node.waitOutput(30_000);
  assert.deepEqual(exit, { code: 0, signal: null }, node.stderr);
  assert.doesNotMatch(node.stderr, /fatal|unhandled|Uncaught|error:/i);
  assert.match(node.stderr, /stopping \(stdin closed\)/);
  assert.equal(answers(node, 0).length, 1, "initialize answered once");
  assert.deepEqual(jsonRpcProblems(node.stdoutLines), []);
});

test("a bad configuration ends the node with code 2 and one line, before any answer", async () => {
  const node = await spawn({ env: { INTERCOM_PORT: "eighty" } });
  node.child.stdin!.write(lines(initialize(0)));
  const exit = await node.waitOutput(30_000);
  assert.equal(exit.code, 2);
  assert.deepEqual(node.stdoutLines, [], "no half-answered client");
  assert.equal(
    node.stderr.trim(),
    'claude-talkie-walkie: INTERCOM_PORT "eighty" is not a port: use a number from 1 to 65535, ' +
      "or auto",
  );
});

test("a node that no client talks to still comes up and serves /health", async () => {
  const node = await spawn();
  await node.waitListening();
  const health = await fetch(`${node.url}/health`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
});

test("two nodes started through the front end exchange a message as channel events", async () => {
  const [a, b] = await freePorts(2);
  const secret = randomSecret();
  const alpha = await spawn({ role: "alpha", port: a, secret, peers: { bravo: b } });
  const bravo = await spawn({ role: "bravo", port: b, secret, peers: { alpha: a } });
  const [alphaSession, bravoSession] = await Promise.all([alpha.connect(), bravo.connect()]);
  await Promise.all([alpha.waitListening(), bravo.waitListening()]);
  const sent = await alphaSession.call("send_message", { to: "bravo", message: "hello" });
  assert.match(resultText(sent), /^Delivered to "bravo"/);
  const [event] = await bravoSession.waitForEvents(1);
  assert.equal(event.content, "hello");
  assert.equal(event.meta?.from, "alpha");
  assert.deepEqual(jsonRpcProblems(alpha.stdoutLines), []);
  assert.deepEqual(jsonRpcProblems(bravo.stdoutLines), []);
});
