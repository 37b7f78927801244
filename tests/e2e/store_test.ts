/**
 * End-to-end: nothing a node was told dies with the node. Real node processes keep their
 * outbox, inbox and history in their store (`INTERCOM_STATE_DIR`) across a restart and a
 * SIGKILL; `search_messages` finds what was said before.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportsIn } from "../support/delivery_peers.ts";
import { freePorts, NodeProcess, randomSecret, resultText, waitFor } from "../support/harness.ts";

const secret = randomSecret();
const call = async (node: NodeProcess, tool: string, args: Record<string, unknown> = {}) =>
  resultText(await node.session.call(tool, args));

describe("a node that restarts forgets nothing", () => {
  const dirs: string[] = [];
  const running: NodeProcess[] = [];
  let ports: number[];
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "talkie-store-e2e-"));
    dirs.push(dir);
    return dir;
  };
  const start = async (
    role: string,
    port: number,
    peers: Record<string, number>,
    state: string,
  ) => {
    const node = NodeProcess.spawn({
      role,
      port,
      secret,
      peers,
      env: { INTERCOM_STATE_DIR: state, INTERCOM_RATE_LIMIT: "0", INTERCOM_SEND_LIMIT: "0" },
    });
    running.push(node);
    await node.waitListening();
    await node.connect();
    return node;
  };

  before(async () => {
    ports = await freePorts(4);
  });
  after(async () => {
    await Promise.all(running.map((n) => n.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test("a sender killed with 20 queued messages delivers all 20, once, in order, after it restarts", async () => {
    const [scribePort, westPort] = ports;
    const scribeState = stateDir();
    let scribe = await start("scribe", scribePort, { west: westPort }, scribeState);
    const sent: string[] = [];
    for (let n = 1; n <= 20; n++) {
      const r = await call(scribe, "send_message", { to: "west", message: `note ${n}` });
      assert.match(r, /queued/i, r);
      sent.push(`note ${n}`);
    }
    scribe.kill("SIGKILL");
    await scribe.waitExit();
    const west = await start("west", westPort, { scribe: scribePort }, stateDir());
    scribe = await start("scribe", scribePort, { west: westPort }, scribeState);
    const events = await west.session.waitForEvents(20, { timeoutMs: 60_000 });
    assert.deepEqual(events.map((e) => e.content), sent);
    // The session running when they end hears how they ended.
    const reports = await waitFor(
      () => {
        const r = reportsIn(scribe.session.events).filter((x) => x.outcome === "delivered");
        return r.length >= 20 && r;
      },
      "20 delivered reports at the restarted scribe",
      30_000,
    );
    assert.equal(reports.length, 20);
    // Once: a probe after the queue is empty finds no 21st event.
    assert.match(await call(scribe, "send_message", { to: "west", message: "last" }), /Delivered/);
    await west.session.waitForEvents(1, { from: 20 });
    assert.deepEqual(west.session.events.map((e) => e.content), [...sent, "last"]);
    await Promise.all([scribe.stop(), west.stop()]);
  });

  test("a receiver restarted, or killed, keeps every unread message and its history", async () => {
    const [talkerPort, quietPort] = ports.slice(2);
    const quietState = stateDir();
    const talker = await start("talker", talkerPort, { quiet: quietPort }, stateDir());
    let quiet = await start("quiet", quietPort, { talker: talkerPort }, quietState);
    for (const text of ["alpha deploy", "bravo", "charlie", "delta", "echo"]) {
      assert.match(await call(talker, "send_message", { to: "quiet", message: text }), /Delivered/);
    }
    await quiet.stop();
    quiet = await start("quiet", quietPort, { talker: talkerPort }, quietState);
    const read = await call(quiet, "read_messages", {});
    assert.match(read, /^5 messages, oldest first\./);
    assert.deepEqual([...read.matchAll(/\]\n(.+)/g)].map((m) => m[1]), [
      "alpha deploy",
      "bravo",
      "charlie",
      "delta",
      "echo",
    ]);
    for (const text of ["foxtrot", "golf"]) {
      assert.match(await call(talker, "send_message", { to: "quiet", message: text }), /Delivered/);
    }
    quiet.kill("SIGKILL");
    await quiet.waitExit();
    quiet = await start("quiet", quietPort, { talker: talkerPort }, quietState);
    const unread = await call(quiet, "read_messages", {});
    assert.match(unread, /^2 messages, oldest first\./);
    assert.match(unread, /foxtrot[\s\S]*golf/);
    assert.equal(await call(quiet, "read_messages", {}), "No unread messages.");
    const found = await call(quiet, "search_messages", { query: "deploy" });
    assert.match(found, /^1 message match "deploy"/);
    assert.match(found, /talker → quiet/);
    assert.match(found, /alpha \[deploy\]/);
    // The sender's history has what it sent, with how it went.
    const mine = await call(talker, "search_messages", { query: "golf", peer: "quiet" });
    assert.match(mine, /talker → quiet outcome=(read|delivered)/);
    const bad = await quiet.session.call("search_messages", { query: "*" });
    assert.equal(bad.isError, true);
    assert.match(resultText(bad), /no words to search for/);
  });
});
