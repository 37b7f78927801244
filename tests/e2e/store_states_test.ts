/**
 * End-to-end: a store that cannot be used as it is costs one line on stderr (and in `doctor`),
 * never the node, and never a message a sender was told was taken. Damaged, newer, locked and
 * unwritable stores with real node processes; a read-only and a full disk on small tmpfs mounts
 * (root only: skipped, with the reason, elsewhere).
 */

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { execFileSync, spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
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
    assert.match(refusal, /cannot keep (messages|the message in its store) now/);
    // Everything it took is there to read.
    const read = resultText(
      await full.session.call("read_messages", { unread_only: false, limit: 500 }),
    );
    const got = [...read.matchAll(/\]\n(\d+) x/g)].map((m) => m[1]);
    assert.deepEqual(got, taken);
  });

  test("a store damaged before a start: no crash on any tool, one line, moved aside at the next start", async () => {
    const state = dir();
    const [kiloPort] = await freePorts(1);
    const spawnKilo = async () => {
      const node = NodeProcess.spawn({
        role: "kilo",
        port: kiloPort,
        secret,
        peers: { lima: 1 },
        env: { INTERCOM_STATE_DIR: state, INTERCOM_RATE_LIMIT: "0", INTERCOM_SEND_LIMIT: "0" },
      });
      nodes.push(node);
      await node.waitListening();
      await node.connect();
      return node;
    };
    let kilo = await spawnKilo();
    for (let n = 0; n < 40; n++) {
      const r = await fetch(`${kilo.url}/message`, {
        method: "POST",
        headers: { "x-intercom-secret": secret, "content-type": "application/json" },
        body: JSON.stringify({ from: "ci", message: `build ${n} ${"log line ".repeat(40)}` }),
      });
      assert.equal(r.status, 200, await r.text());
    }
    await kilo.stop();
    // Pages past the header overwritten: the file still opens, its tables do not read.
    const fd = openSync(join(state, "kilo.db"), "r+");
    writeSync(fd, new Uint8Array(16384).fill(0xff), 0, 16384, 12288);
    closeSync(fd);
    kilo = await spawnKilo();
    const calls = [
      ["read_messages", {}],
      ["search_messages", { query: "build" }],
      ["send_message", { to: "lima", message: "still here" }],
      ["list_peers", {}],
    ] as const;
    for (const [tool, args] of calls) {
      const r = await kilo.session.call(tool, { ...args });
      assert.ok(resultText(r).length > 0, tool);
    }
    assert.equal(kilo.exit, undefined, kilo.stderr);
    await kilo.waitForStderr(/is damaged .*moves it aside .*when it starts again/);
    await kilo.stop();
    kilo = await spawnKilo();
    await kilo.waitForStderr(/was damaged .*moved aside to \S+kilo\.db\.damaged-/);
    assert.match(resultText(await kilo.session.call("read_messages", {})), /No unread messages/);
  });

  test("a disk that fills while the node runs: sends still answer and the node lives", {
    skip: mountProblem(),
  }, async () => {
    const state = dir();
    mkdirSync(join(state, "tiny"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", join(state, "tiny")]);
    mounts.push(join(state, "tiny"));
    const juliet = await start("juliet", dir());
    const mike = await start("mike", join(state, "tiny"), {
      juliet: Number(new URL(juliet.url).port),
    });
    spawnSync("dd", ["if=/dev/zero", `of=${join(state, "tiny", "fill")}`, "bs=64k"]);
    const r = resultText(await mike.session.call("send_message", { to: "juliet", message: "hi" }));
    assert.match(r, /Delivered|Queued|Not sent/, r);
    assert.match(resultText(await mike.session.call("list_peers", {})), /You are "mike"/);
    assert.equal(mike.exit, undefined, mike.stderr);
  });

  test("a node with memory only says so in list_peers", async () => {
    const state = dir();
    writeFileSync(join(state, "file"), "");
    const node = await start("november", join(state, "file"));
    assert.match(
      resultText(await node.session.call("list_peers", {})),
      /\nStore: Cannot write the store .*memory only/,
    );
  });
});
