/**
 * The whole operator chain in a real browser: Claude Code (an MCP client) asks "backend" for a
 * permission, the prompt reaches the web page through the node's `/events` and the viewer, the
 * Allow button makes the viewer sign a verdict with the operator key, and the client receives
 * `notifications/claude/channel/permission` exactly as Claude Code expects it.
 */

import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { formatOperatorPublicKey } from "../../src/core/operator_signature.ts";
import { operatorActions } from "../../viewer/operator.ts";
import { type Mesh, startMesh, waitFor } from "../support/harness.ts";
import { chromiumSkip } from "../support/chromium.ts";
import { openWebViewer, type WebViewer } from "../support/web_viewer.ts";

const skip = chromiumSkip();

/** The verdict as Claude Code accepts it, strictly. */
const VerdictSchema = z.object({
  method: z.literal("notifications/claude/channel/permission"),
  params: z.strictObject({ request_id: z.string(), behavior: z.enum(["allow", "deny"]) }),
});

describe("viewer --web answers a real permission prompt", { skip }, () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  let mesh: Mesh;
  let viewer: WebViewer;
  const verdicts: z.infer<typeof VerdictSchema>["params"][] = [];

  before(async () => {
    mesh = await startMesh(["backend", "frontend"], {
      envOf: { backend: { INTERCOM_OPERATOR_KEY: formatOperatorPublicKey(publicKey) } },
    });
    mesh.node("backend").session.client.setNotificationHandler(VerdictSchema, (n) => {
      verdicts.push(n.params);
    });
    const urls = new Map(mesh.nodes.map((n) => [n.role, n.url]));
    viewer = await openWebViewer(mesh, operatorActions(privateKey, urls));
  });

  after(async () => {
    await viewer?.close();
    await mesh?.close();
  });

  test("Allow on the page reaches Claude Code as a verdict", async () => {
    await mesh.node("backend").session.client.notification({
      method: "notifications/claude/channel/permission_request",
      params: {
        request_id: "kpnzq",
        tool_name: "Bash",
        description: "Run npm test",
        input_preview: '{ "command": "npm test" }',
      },
    });
    const allow = '[data-prompt="backend/kpnzq"] [data-action="allow"]:not([disabled])';
    await viewer.page.waitForSelector(allow, { timeout: 20_000 });
    await viewer.page.click(allow);
    await waitFor(() => verdicts.length === 1, "the verdict at the MCP client", 15_000);
    assert.deepEqual(verdicts, [{ request_id: "kpnzq", behavior: "allow" }]);
    await viewer.page.waitForFunction(`!document.querySelector('[data-prompt="backend/kpnzq"]')`);
  });
});
