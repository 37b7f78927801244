/**
 * End-to-end: the terminal viewer in tmux counts a prompt's age from when the session asked,
 * not from when the viewer started: a prompt raised 30 s before shows at least 30 s. The node
 * is a stand-in serving `/events` whose hello lists the prompt with its time, as a node does.
 */

import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { ROOT, waitFor } from "../support/harness.ts";

const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });

test("a prompt raised 30 s before the viewer started shows at least 30 s", async () => {
  const asked = new Date(Date.now() - 30_000).toISOString();
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    const hello = {
      role: "backend",
      peers: [],
      version: "2.1.0",
      permission_requests: [{
        role: "backend",
        request_id: "abcde",
        tool_name: "Bash",
        description: "Run npm test",
        input_preview: "{}",
        at: asked,
      }],
    };
    res.write(`event: hello\ndata: ${JSON.stringify(hello)}\n\n`); // and stays open
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const dir = mkdtempSync(join(tmpdir(), "talkie-age-"));
  const key = join(dir, "operator.key");
  const { privateKey } = generateKeyPairSync("ed25519");
  writeFileSync(key, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
  const session = `talkie-age-${process.pid}`;
  const screen = () => tmux("capture-pane", "-p", "-t", session);
  try {
    tmux(
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      "100",
      "-y",
      "30",
      `cd '${ROOT}' && NO_COLOR=1 '${process.execPath}' run -A main.ts viewer ` +
        `--operator-key '${key}' backend=127.0.0.1:${port}`,
    );
    const seconds = await waitFor(
      () => Number(/abcde · (\d+) s/.exec(screen())?.[1] ?? NaN) || undefined,
      "the prompt in the panel",
      { timeoutMs: 30_000, everyMs: 100 },
    ).catch((e) => {
      throw new Error(`${e.message}; screen:\n${screen()}`);
    });
    if (seconds < 30) throw new Error(`The prompt shows ${seconds} s:\n${screen()}`);
  } finally {
    try {
      tmux("kill-session", "-t", session);
    } catch { /* already gone */ }
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
});
