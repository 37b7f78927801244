import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { formatOperatorPublicKey } from "../core/operator_signature.ts";
import { initializeResult } from "../node/initialize.ts";
import { registerLocal } from "../platform/local_registry.ts";
import { InMemoryTransport, type JSONRPCMessage } from "../platform/sdk.ts";
import { waitFor } from "../../tests/support/wait.ts";
import { loadConfig } from "./config.ts";
import type { Env } from "../core/env.ts";
import { createNode } from "./create_node.ts";
import { initializeFacts } from "./initialize_facts.ts";

// The start-up front end answers `initialize` from the configuration alone; the node's MCP
// server (the SDK's) answers from its live transport. For every kind of configuration and
// client, the two answers must be the same.

const dir = mkdtempSync(join(tmpdir(), "ctw-initialize-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = "initialize-secret-0123456789";
const operator = formatOperatorPublicKey(generateKeyPairSync("ed25519").publicKey);
// Another node of this user on this machine (this process), for zero configuration.
const registry = join(dir, "registry");
registerLocal(registry, {
  role: "web",
  url: "http://127.0.0.1:9",
  pid: process.pid,
  version: "0",
  started_at: new Date().toISOString(),
});

const CONFIGS: Record<string, Env> = {
  "PEERS over HTTP": { MY_ROLE: "api", PEERS: "web=127.0.0.1:1,db=127.0.0.1:2" },
  "an operator key": { MY_ROLE: "api", PEERS: "web=127.0.0.1:1", INTERCOM_OPERATOR_KEY: operator },
  "zero configuration": {
    INTERCOM_PORT: "auto",
    INTERCOM_LOCAL_DIR: registry,
    INTERCOM_SECRET: "",
  },
  "host-less PEERS": { MY_ROLE: "api", PEERS: "web,db", INTERCOM_PORT: "auto" },
  "a broker": { MY_ROLE: "api", INTERCOM_NATS_URL: "nats://127.0.0.1:9" },
  "a broker's roster": {
    MY_ROLE: "api",
    PEERS: "web,db,web",
    INTERCOM_NATS_URL: "nats://127.0.0.1:9",
    INTERCOM_NATS_DURABLE: "1",
  },
};
const CLIENTS = [
  { name: "claude-code", version: "2.1.332" },
  { name: "codex-mcp-client", version: "0.50.0" },
];
const VERSIONS = ["2025-06-18", "2024-11-05", "2026-07-28"];

/** The MCP server's own answer to one `initialize`, read off its transport. */
async function serverAnswer(env: Env, params: Record<string, unknown>): Promise<unknown> {
  const config = loadConfig([], env, () => "", { cwd: join(dir, "project-x") });
  const node = await createNode(config, { log: () => {}, store: null });
  const [client, server] = InMemoryTransport.createLinkedPair();
  const received: JSONRPCMessage[] = [];
  client.onmessage = (m) => received.push(m);
  try {
    await node.mcp.connect(server);
    await client.start();
    await client.send({ jsonrpc: "2.0", id: 7, method: "initialize", params });
    const answer = await waitFor(() => received.find((m) => "id" in m && m.id === 7), "answer");
    return (answer as { result: unknown }).result;
  } finally {
    await node.close();
  }
}

for (const [what, config] of Object.entries(CONFIGS)) {
  test(`the front end answers initialize as the MCP server does, with ${what}`, async () => {
    const env = { INTERCOM_SECRET: SECRET, INTERCOM_STATE_DIR: dir, ...config };
    for (const clientInfo of CLIENTS) {
      for (const protocolVersion of VERSIONS) {
        const params = { protocolVersion, capabilities: {}, clientInfo };
        const front = initializeResult(
          initializeFacts(loadConfig([], env, () => "", { cwd: join(dir, "project-x") })),
          { protocolVersion, clientInfo },
        );
        assert.deepEqual(
          front,
          await serverAnswer(env, params),
          `${clientInfo.name} ${protocolVersion}`,
        );
      }
    }
  });
}

test("the facts name the peers each configuration starts with", () => {
  const facts = (env: Env) =>
    initializeFacts(
      loadConfig([], { INTERCOM_SECRET: SECRET, ...env }, () => "", { cwd: join(dir, "p") }),
    );
  assert.deepEqual(facts(CONFIGS["PEERS over HTTP"]).peers, ["web", "db"]);
  assert.equal(facts(CONFIGS["PEERS over HTTP"]).presence, undefined);
  assert.equal(facts(CONFIGS["an operator key"]).operator, true);
  assert.deepEqual(facts(CONFIGS["zero configuration"]).peers, ["web"]);
  assert.equal(facts(CONFIGS["zero configuration"]).presence, "this machine's registry");
  assert.deepEqual(facts(CONFIGS["a broker's roster"]).peers, ["db", "web"]);
  assert.equal(facts(CONFIGS["a broker"]).presence, 'mesh "talkie"');
});
