/**
 * End-to-end: sessions without channel events still hear (issue "When channel events cannot
 * reach the model"). "quiet" plays a client that never looks at channel events: it reads with
 * read_messages. "talker" sends and gets read receipts. "private" has receipts off.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { signatureKey, signHeaders } from "../../src/core/signature.ts";
import { reportsIn } from "../support/delivery_peers.ts";
import { execFile } from "node:child_process";
import process from "node:process";
import {
  freePorts,
  NodeProcess,
  randomSecret,
  resultText,
  ROOT,
  waitFor,
} from "../support/harness.ts";

describe("an inbox, read receipts and a status line", () => {
  const secret = randomSecret();
  let talker: NodeProcess, quiet: NodeProcess, secretive: NodeProcess;
  const ids: string[] = [];

  before(async () => {
    const [t, q, s] = await freePorts(3);
    // A notice time of 1 ms: any tool call after a message arrived counts as "kept working".
    const env = { INTERCOM_UNREAD_NOTICE: "0.001" };
    talker = NodeProcess.spawn({
      role: "talker",
      port: t,
      secret,
      peers: { quiet: q, private: s },
      env,
    });
    quiet = NodeProcess.spawn({ role: "quiet", port: q, secret, peers: { talker: t }, env });
    secretive = NodeProcess.spawn({
      role: "private",
      port: s,
      secret,
      peers: { talker: t },
      env: { ...env, INTERCOM_READ_RECEIPTS: "0" },
    });
    await Promise.all([talker, quiet, secretive].map((n) => n.waitListening()));
    await Promise.all([talker, quiet, secretive].map((n) => n.connect()));
  });
  after(async () => await Promise.all([talker, quiet, secretive].map((n) => n?.stop())));

  const call = async (node: NodeProcess, tool: string, args: Record<string, unknown> = {}) =>
    resultText(await node.session.call(tool, args));

  test("a session that ignores channel events learns of them when it sends, and reads them", async () => {
    for (const text of ["one", "two", "three"]) {
      const r = await call(talker, "send_message", { to: "quiet", message: text });
      ids.push(/message_id (\S+)/.exec(r)![1]);
    }
    const sent = await call(quiet, "set_status", { text: "fixing the login test\n(really)" });
    assert.equal(sent, "Status set: fixing the login test (really)");
    const reply = await call(quiet, "send_message", { to: "talker", message: "busy" });
    assert.match(reply, /3 unread messages: call read_messages to read them\./);
    assert.match(await call(quiet, "list_peers"), /^You are "quiet".*\n3 unread messages/);
    const read = await call(quiet, "read_messages", {});
    assert.match(read, /^3 messages, oldest first\./);
    const headers = [...read.matchAll(/\[message_id=(\S+) from=talker sent_at=\S+\]\n(\w+)/g)];
    assert.deepEqual(
      headers.map((m) => [m[1], m[2]]),
      ids.map((id, i) => [id, ["one", "two", "three"][i]]),
    );
    assert.equal(await call(quiet, "read_messages", {}), "No unread messages.");
    assert.match(await call(quiet, "read_messages", { unread_only: false, limit: 1 }), /three$/);
  });

  test("the sender hears that its messages were read, in one event", async () => {
    const reports = await waitFor(
      () => {
        const r = reportsIn(talker.session.events).filter((x) => x.outcome === "read");
        return r.length >= 3 && r;
      },
      "three read reports at talker",
      15_000,
    );
    assert.deepEqual(reports.map((r) => [r.message_id, r.peer]), ids.map((id) => [id, "quiet"]));
    assert.match(reports[0].content, /was read/);
  });

  test("peers see the status line, unread counts and who does not seem to hear", async () => {
    // private gets two messages and does not read them, but keeps working.
    await call(talker, "send_message", { to: "private", message: "a" });
    await call(talker, "send_message", { to: "private", message: "b" });
    await call(talker, "send_message", { to: "private", message: "c" });
    await call(secretive, "list_peers");
    const peers = await call(talker, "list_peers");
    const quietLine = peers.split("\n- ").find((l) => l.startsWith("quiet "))!;
    assert.match(quietLine, /online .*\n\s+status: fixing the login test \(really\)/);
    assert.doesNotMatch(quietLine, /not yet read|does not seem/);
    const privateLine = peers.split("\n- ").find((l) => l.startsWith("private "))!;
    assert.match(privateLine, /3 delivered, not yet read/);
    assert.match(
      privateLine,
      /does not seem to receive channel events; it reads with read_messages/,
    );
  });

  test("the status line shows in viewer --once", async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ["run", "-A", "main.ts", "viewer", "--once", `quiet=${new URL(quiet.url).host}`],
        {
          cwd: ROOT,
          env: { ...process.env, INTERCOM_SECRET: secret, NO_COLOR: "1" },
          timeout: 30_000,
        },
        (error, stdout) => error ? reject(error) : resolve(stdout),
      )
    );
    assert.match(out, /idle · fixing th/);
  });

  test("receipts off sends none; a forged receipt is refused or ignored", async () => {
    const before = talker.session.events.length;
    assert.match(await call(secretive, "read_messages", {}), /^3 messages/);
    // A later message from private arrives after any receipt it would have sent.
    await call(secretive, "send_message", { to: "talker", message: "done reading" });
    await talker.session.waitForEvents(1, { from: before });
    assert.deepEqual(reportsIn(talker.session.events.slice(before)), []);
    const body = JSON.stringify({
      from: "private",
      message_ids: ids,
      read_at: new Date().toISOString(),
    });
    const forge = (key: Uint8Array) =>
      fetch(`${talker.url}/receipt`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...signHeaders(key, {
            id: `receipt_${crypto.randomUUID()}`,
            timestamp: Math.floor(Date.now() / 1000),
            body,
          }),
        },
        body,
      });
    assert.equal((await forge(signatureKey("not-the-mesh-secret-123"))).status, 401);
    // Signed with the mesh secret but not with private's node key, which talker pinned when
    // private's receipts came: refused, and nothing is taken.
    const other = await forge(signatureKey(secret));
    assert.equal(other.status, 403);
    assert.match((await other.json()).error, /"private" is pinned to node key/);
    assert.deepEqual(reportsIn(talker.session.events.slice(before)), []);
  });
});
