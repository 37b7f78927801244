/**
 * End-to-end on a real nats-server: the operator over the broker. `viewer --nats
 * --operator-key` in tmux shows a broker node's pending prompt (raised before the viewer
 * started, so it comes in the hello) and answers it with `y`; the MCP client playing Claude
 * Code gets the verdict. Operator requests on the broker follow the HTTP endpoint's rules:
 * unsigned, wrongly signed and replayed requests are refused, also a replay of an id first
 * used over HTTP.
 */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { z } from "zod";
import { formatOperatorPublicKey } from "../../src/core/operator_signature.ts";
import { meshNames } from "../../src/nats/subjects.ts";
import { decodeReply } from "../../src/nats/wire.ts";
import { signedOperatorRequest } from "../../viewer/operator.ts";
import { natsOperatorSend } from "../../viewer/operator_nats.ts";
import { type NodeProcess, randomSecret, ROOT, waitFor } from "../support/harness.ts";
import { NatsServer, natsSkip, spawnBrokerNode } from "../support/nats.ts";

const VerdictSchema = z.object({
  method: z.literal("notifications/claude/channel/permission"),
  params: z.strictObject({
    request_id: z.string().regex(/^[a-km-z]{5}$/),
    behavior: z.enum(["allow", "deny"]),
  }),
});

const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });
const skip = natsSkip();

describe("the operator over the broker", { skip }, () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const session = `talkie-nats-operator-${process.pid}`;
  const verdicts: z.infer<typeof VerdictSchema>["params"][] = [];
  let server: NatsServer;
  let node: NodeProcess;
  let dir = "";
  const screen = () => tmux("capture-pane", "-p", "-t", session);
  async function see(pattern: RegExp, what: string) {
    try {
      await waitFor(() => pattern.test(screen()), what, { timeoutMs: 30_000, everyMs: 100 });
    } catch (e) {
      throw new Error(`${(e as Error).message}; screen:\n${screen()}`);
    }
  }
  const secret = randomSecret();
  const prompt = (request_id: string) =>
    node.session.client.notification({
      method: "notifications/claude/channel/permission_request",
      params: { request_id, tool_name: "Bash", description: "Run npm test", input_preview: "{}" },
    });

  before(async () => {
    server = await NatsServer.start();
    node = await spawnBrokerNode("backend", {
      nats: server.url,
      secret,
      env: { INTERCOM_OPERATOR_KEY: formatOperatorPublicKey(publicKey) },
    });
    node.session.client.setNotificationHandler(VerdictSchema, (n) => void verdicts.push(n.params));
    dir = mkdtempSync(join(tmpdir(), "talkie-nats-operator-"));
    writeFileSync(
      join(dir, "operator.key"),
      privateKey.export({ format: "pem", type: "pkcs8" }),
      { mode: 0o600 },
    );
  });

  after(async () => {
    try {
      tmux("kill-session", "-t", session);
    } catch { /* already gone */ }
    await node?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("viewer --nats shows a prompt raised before it started and answers it with y", async () => {
    await prompt("abcde");
    const command = [
      `cd '${ROOT}' &&`,
      `NO_COLOR=1 XDG_CONFIG_HOME='${dir}' INTERCOM_SECRET='${secret}'`,
      `'${process.execPath}' run -A main.ts viewer --nats ${server.url}`,
      `--operator-key '${join(dir, "operator.key")}'`,
    ].join(" ");
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command);
    await see(/▸ backend · Bash · Run npm test · abcde · \d+ s/, "the prompt in the panel");
    tmux("send-keys", "-t", session, "y");
    await waitFor(() => verdicts.length === 1, "the verdict at the client", 20_000);
    assert.deepEqual(verdicts, [{ request_id: "abcde", behavior: "allow" }]);
    await see(/you allowed Bash \(abcde\) on backend/, "the verdict note in the feed");
  });

  test("operator messages travel over the broker and reach the session", async () => {
    const nc = await connect({ servers: server.url });
    try {
      const from = node.session.events.length;
      const send = natsOperatorSend(privateKey, nc, "talkie");
      assert.deepEqual(await send("backend", "message", { text: "pause please" }), { ok: true });
      const [event] = await node.session.waitForEvents(1, { from });
      assert.deepEqual([event.content, event.meta?.operator], ["pause please", "true"]);
      const gone = await send("backend", "verdict", { request_id: "zzzzz", behavior: "deny" });
      assert.equal(!gone.ok && gone.status, 409);
    } finally {
      await nc.close();
    }
  });

  test("unsigned, wrongly signed and replayed operator requests are refused", async () => {
    const nc = await connect({ servers: server.url });
    const subject = meshNames("talkie").operator("backend", "message");
    const ask = async (text: string, headers: Record<string, string>) => {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(headers)) h.set(k, v);
      return decodeReply((await nc.request(subject, text, { timeout: 10_000, headers: h })).data);
    };
    const sign = (
      action: "verdict" | "message",
      body: Record<string, unknown>,
      role = "backend",
    ) =>
      signedOperatorRequest(privateKey, {
        target: { role, mesh: "talkie" },
        action,
        body,
        nowMs: Date.now(),
      });
    try {
      // Signed for another node of the mesh: refused here.
      const elsewhere = sign("message", { text: "for frontend" }, "frontend");
      const refused = await ask(elsewhere.text, elsewhere.headers);
      assert.equal(refused.status, 403);
      assert.match(JSON.stringify(refused.body), /another node|frontend/);
      const signed = sign("message", { text: "once" });
      assert.equal((await ask(signed.text, {})).status, 403);
      assert.equal((await ask(signed.text.replace("once", "twice"), signed.headers)).status, 403);
      assert.equal((await ask(signed.text, signed.headers)).status, 200);
      const replay = await ask(signed.text, signed.headers);
      assert.equal(replay.status, 403);
      assert.match(JSON.stringify(replay.body), /already used/);
      // An id first used over HTTP is a replay on the broker too: one memory of ids.
      const http = sign("message", { text: "by http" });
      const response = await fetch(`${node.url}/operator/message`, {
        method: "POST",
        headers: { ...http.headers, "content-type": "application/json" },
        body: http.text,
      });
      assert.equal(response.status, 200, await response.text());
      assert.equal((await ask(http.text, http.headers)).status, 403);
      // Signed for the verdict endpoint: not a message.
      const verdict = sign("verdict", { text: "x" });
      assert.equal((await ask(verdict.text, verdict.headers)).status, 403);
    } finally {
      await nc.close();
    }
  });
});
