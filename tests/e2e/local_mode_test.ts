/**
 * End-to-end: three sessions on one machine with INTERCOM_PORT=auto and host-less PEERS find
 * each other by role through the per-user registry and exchange messages, whatever order they
 * start in; a stopped node leaves no entry behind.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { spawn } from "node:child_process";
import { NodeProcess, randomSecret, resultText, ROOT, waitFor } from "../support/harness.ts";

describe("INTERCOM_PORT=auto on one machine", () => {
  const roles = ["backend", "frontend", "tester"];
  const nodes = new Map<string, NodeProcess>();
  let base: string;
  let dir: string;
  const secret = randomSecret();
  before(async () => {
    base = mkdtempSync(join(tmpdir(), "ctw-local-"));
    dir = join(base, "registry");
    for (const role of roles) {
      const node = NodeProcess.spawn({
        role,
        port: 0,
        secret,
        env: {
          INTERCOM_PORT: "auto",
          PEERS: roles.filter((r) => r !== role).join(","),
          INTERCOM_LOCAL_DIR: dir,
        },
      });
      nodes.set(role, node);
      // One after the other, so earlier nodes must find later ones at send time.
      await node.waitForStderr(/registered "\w+" at http:\/\/127\.0\.0\.1:\d+/);
    }
    await Promise.all([...nodes.values()].map((n) => n.connect()));
  });
  after(async () => {
    await Promise.all([...nodes.values()].map((n) => n.stop()));
    rmSync(base, { recursive: true, force: true });
  });

  test("the registry directory is private and holds one entry per role", () => {
    if (process.platform !== "win32") assert.equal(statSync(dir).mode & 0o777, 0o700);
    const entries = readdirSync(dir).filter((n) => n.endsWith(".json")).sort();
    assert.deepEqual(entries, roles.map((r) => `${r}.json`));
    // And one hook entry per node, for its session's waiters, as private.
    const hooks = join(dir, "hooks");
    if (process.platform !== "win32") assert.equal(statSync(hooks).mode & 0o777, 0o700);
    assert.equal(readdirSync(hooks).filter((n) => n.endsWith(".json")).length, roles.length);
  });

  test("each node reaches the two others by role and list_peers shows their ports", async () => {
    for (const [i, role] of roles.entries()) {
      const others = roles.filter((r) => r !== role);
      for (const to of others) {
        const result = await nodes.get(role)!.session.call("send_message", {
          to,
          message: `hello ${to} from ${role} #${i}`,
        });
        assert.equal(result.isError, undefined, resultText(result));
        assert.match(resultText(result), /^Delivered/);
      }
    }
    for (const role of roles) {
      const events = await nodes.get(role)!.session.waitForEvents(2);
      assert.deepEqual(
        events.map((e) => e.meta?.from).sort(),
        roles.filter((r) => r !== role),
      );
    }
    const peers = resultText(await nodes.get("backend")!.session.call("list_peers"));
    assert.match(peers, /frontend\s+http:\/\/127\.0\.0\.1:\d+\s+online/);
    assert.match(peers, /tester\s+http:\/\/127\.0\.0\.1:\d+\s+online/);
  });

  test("doctor finds the local peers by role and reports all is well", async () => {
    const child = spawn(process.execPath, ["run", "-A", "main.ts", "doctor"], {
      cwd: ROOT,
      env: {
        PATH: "/usr/bin:/bin",
        NO_COLOR: "1",
        MY_ROLE: "backend",
        PEERS: "frontend,tester",
        INTERCOM_PORT: "auto",
        INTERCOM_SECRET: secret,
        INTERCOM_LOCAL_DIR: dir,
        // Never the user's own store.
        XDG_STATE_HOME: join(base, "state"),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => out += d);
    const code = await new Promise((resolve) => child.once("exit", resolve));
    assert.match(out, /^ok +port: auto .*; a "backend" node runs at http:\/\/127\.0\.0\.1:\d+/m);
    assert.match(out, /^ok +peer "frontend" at http:\/\/127\.0\.0\.1:\d+: online, .*same secret$/m);
    assert.match(out, /^ok +peer "tester" at http:\/\/127\.0\.0\.1:\d+: online, .*same secret$/m);
    assert.equal(code, 0, out);
  });

  test("a stopped node removes its entry, and sending to it is queued, not refused", async () => {
    await nodes.get("tester")!.stop();
    await waitFor(() => !readdirSync(dir).includes("tester.json"), "tester's entry to go");
    const result = await nodes.get("backend")!.session.call("send_message", {
      to: "tester",
      message: "are you there?",
    });
    assert.equal(result.isError, undefined, resultText(result));
    assert.match(
      resultText(result),
      /no node "tester" runs on this machine \(INTERCOM_PORT=auto\) yet/,
    );
  });
});
