/**
 * What one message's path is made of: the CPU time of each operation a node does for a message
 * that the lean relay (`bench/_lean_relay.mjs`) does not, in microseconds per call, measured in
 * this process after a warm-up (the same functions the node runs, not a model of them). The
 * sender signs (the mesh secret's HMAC and its node's Ed25519 key) and seals the text; the
 * receiver verifies both, opens the text, parses the envelope and keeps the message (the inbox
 * row and the delivered id, in a transaction of 8). The MCP SDK's Zod checks of one tool call
 * (the JSON-RPC message, then the `tools/call` request) are on the sender's path too.
 *
 * Runs under Deno from source; `--runtime node` bundles this file with esbuild and runs it under
 * `BENCH_NODE` (or `node`).
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { generateNodeKeys, nodeClaimOf, signNode, verifyNode } from "../src/core/node_key.ts";
import { Sealer } from "../src/core/seal.ts";
import { signatureKey, signHeaders, verifySignature } from "../src/core/signature.ts";
import { newMessageId, parseEnvelope } from "../src/core/envelope.ts";
import { Store } from "../src/store/store.ts";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/types.d.ts"
import { CallToolRequestSchema, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";

/** CPU microseconds per call of each operation. */
export type PathCosts = Record<string, number>;

/** CPU time of `f` per call, in microseconds, after `warm` untimed calls. */
function cpuPerCall(f: (i: number) => void, runs = 2000, warm = 500): number {
  for (let i = 0; i < warm; i++) f(i);
  const t0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) f(i);
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / runs;
}

/** Measures the operations of one message's path in this process. */
export function pathCosts(): PathCosts {
  const a = generateNodeKeys(), b = generateNodeKeys();
  const key = signatureKey("bench-secret-0123456789abcdef");
  const text = "m".repeat(200);
  const binding = { message_id: "msg_0", from: "a", to: "b", sent_at: "2026-12-07T00:00:00Z" };
  const body = JSON.stringify({ ...binding, message: text });
  const bytes = new TextEncoder().encode(body);
  const timestamp = Math.floor(Date.now() / 1000);
  const hmac = signHeaders(key, { id: "msg_0", timestamp, body });
  const node = signNode(a, { id: "msg_0", timestamp, body: bytes });
  const headers = new Headers({ ...hmac, ...node });
  const claim = nodeClaimOf((n) => headers.get(n))!;
  const sealer = new Sealer(a.box, a.boxPublicKey), opener = new Sealer(b.box, b.boxPublicKey);
  const sealed = sealer.seal(text, b.boxPublicKey, binding);
  const line = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "send_message", arguments: { to: "b", message: text } },
  });
  const dir = mkdtempSync(join(tmpdir(), "talkie-bench-path-"));
  const store = Store.open({ path: join(dir, "b.db"), log: () => {}, deliveredTtlMs: 900_000 });
  try {
    const pending: Promise<void>[] = [];
    const keep = (i: number) => {
      pending.push(store.batch());
      const id = `msg_${i}_${newMessageId()}`;
      store.delivered.add("a", id, "digest", Date.now());
      store.history.add({ ...binding, message_id: id, message: text }, Date.now());
      if (i % 8 === 7) store.commitNow();
    };
    return {
      "sender: HMAC signature (Standard Webhooks)": cpuPerCall(() =>
        signHeaders(key, { id: "msg_0", timestamp, body })
      ),
      "sender: Ed25519 node signature": cpuPerCall(() =>
        signNode(a, { id: "msg_0", timestamp, body: bytes })
      ),
      "sender: seal (AES-256-GCM, pair key kept)": cpuPerCall(() =>
        sealer.seal(text, b.boxPublicKey, binding)
      ),
      "sender: MCP SDK Zod checks of a tool call": cpuPerCall(() =>
        CallToolRequestSchema.parse(JSONRPCMessageSchema.parse(JSON.parse(line)))
      ),
      "receiver: HMAC check": cpuPerCall(() =>
        verifySignature(key, { headers, body }, { nowSeconds: timestamp })
      ),
      "receiver: Ed25519 check": cpuPerCall(() => verifyNode(claim, "msg_0", bytes)),
      "receiver: open": cpuPerCall(() => opener.open(sealed, binding)),
      "receiver: envelope rules": cpuPerCall(() =>
        parseEnvelope(JSON.parse(body), {
          role: "b",
          maxMessageBytes: 65_536,
          defaultFrom: "webhook",
          now: new Date(),
        })
      ),
      "receiver: store (row and id, commits of 8)": cpuPerCall(keep, 4000, 800),
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const costs = pathCosts();
  for (const [what, us] of Object.entries(costs)) {
    process.stdout.write(`${what.padEnd(46)} ${us.toFixed(1).padStart(7)} µs\n`);
  }
}

/**
 * Runs {@linkcode pathCosts} under Node (`node`, a path): this file bundled by esbuild into a
 * temporary folder, its result read from the child's stdout.
 *
 * @throws {Error} when the build or the child fails.
 */
export async function pathCostsUnderNode(node: string): Promise<PathCosts> {
  const esbuild = await import("esbuild");
  const { execFileSync } = await import("node:child_process");
  const { writeFileSync } = await import("node:fs");
  const dir = mkdtempSync(join(tmpdir(), "talkie-bench-path-node-"));
  try {
    const entry = join(dir, "entry.ts");
    const here = new URL("./path_costs.ts", import.meta.url).pathname;
    writeFileSync(
      entry,
      `import { pathCosts } from ${JSON.stringify(here)};\n` +
        "console.log(JSON.stringify(pathCosts()));\n",
    );
    await esbuild.build({
      entryPoints: [entry],
      outfile: join(dir, "path.mjs"),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      logLevel: "warning",
      nodePaths: [new URL("../node_modules", import.meta.url).pathname],
      banner: {
        js:
          'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
      },
    });
    const out = execFileSync(
      node,
      ["--disable-warning=ExperimentalWarning", join(dir, "path.mjs")],
      {
        encoding: "utf8",
      },
    );
    return JSON.parse(out.trim().split("\n").at(-1)!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
