/**
 * End-to-end: the live viewer in tmux, holding the operator key, answers a permission prompt
 * with `y` and sends an operator message with `m`; an MCP client plays Claude Code.
 */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { formatOperatorPublicKey } from "../../src/core/operator_signature.ts";
import { type Mesh, ROOT, startMesh, waitFor } from "../support/harness.ts";

const VerdictSchema = z.object({
  method: z.literal("notifications/claude/channel/permission"),
  params: z.strictObject({
    request_id: z.string().regex(/^[a-km-z]{5}$/),
    behavior: z.enum(["allow", "deny"]),
  }),
});

const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });

describe("the viewer in tmux answers prompts and sends operator messages", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const session = `talkie-operator-${process.pid}`;
  const verdicts: z.infer<typeof VerdictSchema>["params"][] = [];
  let mesh: Mesh;
  // The operator's private key file, removed afterwards.
  const dir = mkdtempSync(join(tmpdir(), "talkie-operator-"));
  const screen = () => tmux("capture-pane", "-p", "-t", session);
  const see = (pattern: RegExp, what: string) =>
    waitFor(() => pattern.test(screen()), `${what}; screen:\n${screen()}`, 20_000);

  before(async () => {
    mesh = await startMesh(["backend"], {
      env: { INTERCOM_OPERATOR_KEY: formatOperatorPublicKey(publicKey) },
    });
    mesh.node("backend").session.client.setNotificationHandler(VerdictSchema, (n) => {
      verdicts.push(n.params);
    });
    const keyFile = join(dir, "operator.key");
    writeFileSync(keyFile, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
    const command = [
      `cd '${ROOT}' &&`,
      `NO_COLOR=1 INTERCOM_SECRET='${mesh.secret}' XDG_CONFIG_HOME='${dir}'`,
      `'${process.execPath}' run -A main.ts viewer --operator-key '${keyFile}'`,
      `backend=127.0.0.1:${mesh.node("backend").port}`,
    ].join(" ");
    tmux("new-session", "-d", "-s", session, "-x", "110", "-y", "40", command);
    await see(/1 online/, "the viewer online");
  });
  after(async () => {
    try {
      tmux("kill-session", "-t", session);
    } catch { /* already gone */ }
    await mesh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("y allows the selected prompt; the client gets the exact verdict", async () => {
    await mesh.node("backend").session.client.notification({
      method: "notifications/claude/channel/permission_request",
      params: {
        request_id: "abcde",
        tool_name: "Bash",
        description: "Run npm test",
        input_preview: '{ "command": "npm test" }\u202e',
      },
    });
    await see(/▸ backend · Bash · Run npm test · abcde · \d+ s/, "the prompt in the panel");
    assert.match(screen(), /\{ "command": "npm test" \}⟨U\+202E⟩/);
    assert.match(screen(), /🔒 waiting/);
    tmux("send-keys", "-t", session, "y");
    await waitFor(() => verdicts.length === 1, "the verdict at the client");
    assert.deepEqual(verdicts, [{ request_id: "abcde", behavior: "allow" }]);
    await see(/you allowed Bash \(abcde\) on backend/, "the verdict note in the feed");
    assert.doesNotMatch(screen(), /permission prompts/);
  });

  test("m, a text and Enter send an operator message", async () => {
    const client = mesh.node("backend").session;
    const from = client.events.length;
    tmux("send-keys", "-t", session, "m");
    await see(/message to all ▸/, "the compose line");
    tmux("send-keys", "-t", session, "-l", "please pause");
    tmux("send-keys", "-t", session, "Enter");
    const [event] = await client.waitForEvents(1, { from, timeoutMs: 20_000 });
    assert.equal(event.content, "please pause");
    assert.deepEqual(
      [event.meta?.from, event.meta?.operator],
      ["operator", "true"],
    );
    await see(/★ operator → backend: please pause/, "the operator message in the feed");
    tmux("send-keys", "-t", session, "q");
  });
});
