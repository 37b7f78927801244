/**
 * End-to-end: how a node starts, fails to start, and stops, as Claude Code runs it: one child
 * per session, stdin closing when the session ends, signals, two sessions competing for a port.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  freePorts,
  jsonRpcProblems,
  type NodeOptions,
  NodeProcess,
  randomSecret,
  resultText,
  waitFor,
} from "../support/harness.ts";

/** Runs `body` with nodes that are stopped afterwards whatever happens. */
async function withNodes<T>(
  options: NodeOptions[],
  body: (nodes: NodeProcess[]) => Promise<T>,
): Promise<T> {
  const nodes = options.map((o) => NodeProcess.spawn(o));
  try {
    return await body(nodes);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

/**
 * How `node` exits after `action`. The bound only catches a node that hangs: how fast it
 * exits is not measured across processes.
 */
function exitAfter(node: NodeProcess, action: () => void) {
  action();
  return node.waitOutput(15_000);
}

describe("stopping", () => {
  test("a node exits by itself when stdin closes and ends its /events streams", async () => {
    const [port] = await freePorts(1);
    const secret = randomSecret();
    await withNodes([{ role: "solo", port, secret }], async ([node]) => {
      await node.waitListening();
      await node.connect();
      const response = await fetch(`${node.url}/events`, {
        headers: { "X-Intercom-Secret": secret },
      });
      const reader = response.body!.getReader();
      const first = await reader.read();
      assert.match(new TextDecoder().decode(first.value), /event: hello/);
      const ended = (async () => {
        for (;;) {
          const r = await reader.read();
          if (r.done) return "ended";
        }
      })().catch((e) => `failed: ${e}`);
      const exit = await exitAfter(node, () => node.closeStdin());
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.match(node.stderr, /stopping \(stdin closed\)/);
      assert.equal(await ended, "ended", "the SSE stream ended cleanly");
      reader.releaseLock();
      assert.deepEqual(jsonRpcProblems(node.stdoutLines), []);
    });
  });

  test("a node exits cleanly on SIGTERM, SIGINT and SIGHUP", async () => {
    const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
    const ports = await freePorts(signals.length);
    await withNodes(
      signals.map((s, i) => ({ role: `sig-${s.toLowerCase()}`, port: ports[i] })),
      async (nodes) => {
        await Promise.all(nodes.map(async (n) => {
          await n.waitListening();
          await n.connect();
        }));
        const results = await Promise.all(
          nodes.map((n, i) => exitAfter(n, () => n.kill(signals[i]))),
        );
        results.forEach((exit, i) => {
          assert.equal(exit.code, 0, `${signals[i]}: ${JSON.stringify(exit)}`);
          assert.match(nodes[i].stderr, new RegExp(`stopping \\(${signals[i]}\\)`));
          assert.deepEqual(jsonRpcProblems(nodes[i].stdoutLines), []);
        });
      },
    );
  });

  test("a port already in use is reported on stderr and the MCP side still sends", async () => {
    const [port] = await freePorts(1);
    const secret = randomSecret();
    const first = NodeProcess.spawn({ role: "first", port, secret, peers: { second: 8 } });
    try {
      await first.waitListening();
      await first.connect();
      // A second session on the same machine gets the same port, as Claude Code would start it.
      await withNodes(
        [{ role: "second", port, secret, peers: { first: port } }],
        async ([second]) => {
          await second.waitForStderr(/already in use/);
          const line = second.stderr.split("\n").find((l) => /already in use/.test(l))!;
          assert.match(line, new RegExp(`port ${port}`));
          assert.match(line, /INTERCOM_PORT/, `says how to fix it: ${line}`);
          await second.connect();
          const peers = resultText(await second.session.call("list_peers"));
          assert.match(peers, /NOT listening: .*already in use/);
          assert.match(peers, /- first .* online/);

          const sent = await second.session.call("send_message", { to: "first", message: "hi" });
          assert.equal(sent.isError, undefined, resultText(sent));
          const [event] = await first.session.waitForEvents(1);
          assert.equal(event.content, "hi");
          assert.equal(event.meta?.from, "second");

          const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
          assert.equal(health.role, "first", "the first node keeps its port");
          assert.equal(second.exit, undefined, "second still runs");
          assert.deepEqual(jsonRpcProblems(second.stdoutLines), []);
        },
      );
    } finally {
      await first.stop();
    }
  });
});

describe("starting", () => {
  test("initialize answers a client proposing 2026-07-28 with at most 2025-11-25", async () => {
    const [port] = await freePorts(1);
    await withNodes([{ role: "future", port }], async ([node]) => {
      const transport = node.transport();
      const received: Record<string, unknown>[] = [];
      transport.onmessage = (m) => received.push(m as Record<string, unknown>);
      await transport.start();
      await transport.send({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2026-07-28",
          capabilities: {},
          clientInfo: { name: "claude-code", version: "2.1.332" },
        },
      });
      const init = await waitFor(() => received.find((m) => m.id === 1), "initialize result");
      const result = init.result as {
        protocolVersion: string;
        capabilities: { experimental: Record<string, unknown> };
      };
      assert.ok(result.protocolVersion <= "2025-11-25", result.protocolVersion);
      assert.ok(result.capabilities.experimental["claude/channel"]);
      await transport.send({ jsonrpc: "2.0", method: "notifications/initialized" });
      await transport.send({ jsonrpc: "2.0", id: 2, method: "server/discover", params: {} });
      const discover = await waitFor(() => received.find((m) => m.id === 2), "discover answer");
      assert.equal((discover.error as { code: number })?.code, -32601);
      assert.deepEqual(jsonRpcProblems(node.stdoutLines), []);
    });
  });

  test("bad configuration exits non-zero with one clear line on stderr", async () => {
    const cases: { what: string; env: Record<string, string>; role?: string; expect: RegExp }[] = [
      {
        what: "duplicate peer names",
        env: { PEERS: "backend=127.0.0.1:9001,backend=127.0.0.1:9002" },
        expect: /"backend" twice/,
      },
      {
        what: "a peer named like ourselves",
        role: "backend",
        env: { PEERS: "backend=127.0.0.1:9001" },
        expect: /own role "backend"/,
      },
      { what: "a port above 65535", env: { INTERCOM_PORT: "70000" }, expect: /"70000".*port/ },
      { what: "a port that is no number", env: { INTERCOM_PORT: "http" }, expect: /"http".*port/ },
      {
        what: "a peer port out of range",
        env: { PEERS: "backend=127.0.0.1:99999" },
        expect: /backend=127\.0\.0\.1:99999/,
      },
      {
        what: "an unparsable address",
        env: { PEERS: "backend=http://[::1" },
        expect: /backend=http:\/\/\[::1/,
      },
      {
        what: "an unsupported scheme",
        env: { PEERS: "backend=ftp://example.com" },
        expect: /ftp:\/\//,
      },
      {
        what: "a peer name with bad characters",
        env: { PEERS: "back end!=127.0.0.1:9001" },
        expect: /"back end!" may only contain/,
      },
      { what: "a role with bad characters", role: "dev/a", env: {}, expect: /"dev\/a"/ },
      { what: "a peer entry without =", env: { PEERS: "127.0.0.1:9001" }, expect: /no "="/ },
      { what: "an empty peer name", env: { PEERS: "=127.0.0.1:9001" }, expect: /empty/ },
    ];
    // Three at a time: eleven runtimes starting at once on a small, busy machine can take
    // longer to start than a hang bound should allow.
    for (let start = 0; start < cases.length; start += 3) {
      const batch = cases.slice(start, start + 3);
      await withNodes(
        batch.map((c) => ({ role: c.role ?? "me", port: 1, env: { PEERS: "", ...c.env } })),
        (nodes) => checkBadConfig(batch, nodes),
      );
    }
  });
});

/** Every node of `nodes` exited non-zero with the one stderr line its case expects. */
async function checkBadConfig(
  cases: { what: string; expect: RegExp }[],
  nodes: NodeProcess[],
): Promise<void> {
  // Output ended too: the one stderr line is whole.
  const exits = await Promise.all(nodes.map((n) => n.waitOutput(30_000)));
  cases.forEach((c, i) => {
    const lines = nodes[i].stderr.split("\n").filter((l) => l.trim() !== "");
    assert.notEqual(exits[i].code, 0, `${c.what}: exit code`);
    assert.equal(exits[i].signal, null, c.what);
    assert.equal(lines.length, 1, `${c.what}: one line, got:\n${nodes[i].stderr}`);
    assert.match(lines[0], c.expect, c.what);
    assert.ok(lines[0].length < 300, `${c.what}: short line`);
    assert.deepEqual(nodes[i].stdoutLines, [], `${c.what}: nothing on stdout`);
  });
}
