/**
 * End-to-end: a store that cannot be used as it is costs one line on stderr (and in `doctor`),
 * never the node, and never a message a sender was told was taken. Damaged, newer, locked and
 * unwritable stores with real node processes; a read-only and a full disk on small tmpfs mounts
 * (root only: skipped, with the reason, elsewhere).
 */

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { DatabaseSync } from "node:sqlite";
import { SCHEMA_VERSION } from "../../src/store/schema.ts";
import { freePorts, NodeProcess, randomSecret, resultText, ROOT } from "../support/harness.ts";

const secret = randomSecret();

/** Whether this process may mount a tmpfs (root on Linux), with the reason when not. */
function mountProblem(): string | undefined {
  if (process.platform !== "linux") return "tmpfs mounts need Linux";
  if (process.getuid?.() !== 0) return "tmpfs mounts need root";
  return undefined;
}

describe("a store that cannot be used as it is", () => {
  const dirs: string[] = [];
  const mounts: string[] = [];
  const nodes: NodeProcess[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), "talkie-states-"));
    dirs.push(d);
    return d;
  };
  const start = async (role: string, state: string, peers: Record<string, number> = {}) => {
    const [port] = await freePorts(1);
    const node = NodeProcess.spawn({
      role,
      port,
      secret,
      peers,
      env: { INTERCOM_STATE_DIR: state, INTERCOM_RATE_LIMIT: "0", INTERCOM_SEND_LIMIT: "0" },
    });
    nodes.push(node);
    await node.waitListening();
    await node.connect();
    return node;
  };
  const works = async (node: NodeProcess) =>
    assert.match(resultText(await node.session.call("list_peers", {})), /You are/);
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const m of mounts) {
      try {
        execFileSync("umount", [m]);
      } catch { /* already gone */ }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("a damaged file is moved aside, said in one line, and the node starts afresh", async () => {
    const state = dir();
    writeFileSync(join(state, "gamma.db"), "my grocery list, not a database ".repeat(100));
    const node = await start("gamma", state);
    await node.waitForStderr(/The store \S+gamma\.db was damaged .*moved aside to \S+/);
    await works(node);
  });

  test("a file from a newer version is left alone and the node keeps memory only", async () => {
    const state = dir();
    const db = new DatabaseSync(join(state, "delta.db"));
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const node = await start("delta", state);
    await node.waitForStderr(/written by a newer claude-talkie-walkie .*upgrade, or move/);
    await works(node);
    const doctor = spawnSync(process.execPath, ["run", "-A", "main.ts", "doctor"], {
      cwd: ROOT,
      env: { ...process.env, MY_ROLE: "delta", INTERCOM_STATE_DIR: state, NO_COLOR: "1" },
      encoding: "utf8",
    });
    assert.match(doctor.stdout, /FAIL {2}store: \S+delta\.db was written by a newer/);
  });

  test("a second node with the same role and store says so and keeps memory only", async () => {
    const state = dir();
    const first = await start("echo", state);
    await first.waitForStderr(/history and queue kept in \S+echo\.db/);
    const second = await start("echo", state);
    await second.waitForStderr(/in use by another node with this role: .*MY_ROLE/);
    await works(second);
  });

  test("a store directory that cannot be made is one line, and the node runs", async () => {
    const state = dir();
    writeFileSync(join(state, "file"), "");
    const node = await start("fox", join(state, "file"));
    await node.waitForStderr(/Cannot write the store .*INTERCOM_STATE_DIR/);
    await works(node);
  });

  test("a read-only disk is one line, and the node runs", { skip: mountProblem() }, async () => {
    const state = dir();
    mkdirSync(join(state, "ro"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", join(state, "ro")]);
    mounts.push(join(state, "ro"));
    const node = await start("golf", join(state, "ro"));
    await node.waitForStderr(/Cannot (write|use) the store .*golf\.db/);
    await works(node);
  });

  test("a full disk refuses new messages instead of taking and losing them", {
    skip: mountProblem(),
  }, async () => {
    const state = dir();
    mkdirSync(join(state, "small"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=600k", "tmpfs", join(state, "small")]);
    mounts.push(join(state, "small"));
    const full = await start("hotel", join(state, "small"));
    const sender = await start("india", dir(), { hotel: Number(new URL(full.url).port) });
    const taken: string[] = [];
    let refusal = "";
    for (let n = 0; n < 40 && !refusal; n++) {
      const text = `${n} ${"x".repeat(30_000)}`;
      const r = resultText(
        await sender.session.call("send_message", { to: "hotel", message: text }),
      );
      if (/Delivered/.test(r)) taken.push(`${n}`);
      else refusal = r;
    }
    assert.match(refusal, /cannot keep messages now|disk is full/);
    // Everything it took is there to read.
    const read = resultText(
      await full.session.call("read_messages", { unread_only: false, limit: 500 }),
    );
    const got = [...read.matchAll(/\]\n(\d+) x/g)].map((m) => m[1]);
    assert.deepEqual(got, taken);
  });
});
