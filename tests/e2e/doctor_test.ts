/**
 * End-to-end: `claude-talkie-walkie doctor` against real nodes: a healthy peer, a peer with
 * another secret, a peer whose clock runs 10 minutes ahead (a proxy shifts the timestamps), an
 * address that answers with another role, and a peer that is down. Each gets its line, and the
 * exit code is 0 only when all is well. A fake `claude` on PATH stands for Claude Code.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { freePorts, NodeProcess, randomSecret, ROOT } from "../support/harness.ts";
import { SkewProxy } from "../support/skew_proxy.ts";
import { mergeHooks } from "../../src/cli/init_hooks.ts";

/** Runs `doctor` with this environment; resolves to its exit code and stdout. */
function doctor(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["run", "-A", "main.ts", "doctor"], {
      cwd: ROOT,
      env: { HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => out += d);
    child.stderr.resume();
    child.once("exit", (code) => resolve({ code, out }));
  });
}

describe("doctor", () => {
  let beta: NodeProcess, locked: NodeProcess, proxy: SkewProxy;
  let secret: string, bin: string, path: string;
  let ports: number[];
  const env = (peers: string, extra: Record<string, string> = {}) => ({
    PATH: path,
    // A home of its own (no store or ~/.claude.json of the user's), whose settings have the
    // hook waiters: the hook path is set up.
    HOME: bin,
    MY_ROLE: "alpha",
    PEERS: peers,
    INTERCOM_PORT: String(ports[0]),
    INTERCOM_SECRET: secret,
    ...extra,
  });
  before(async () => {
    ports = await freePorts(4); // alpha (doctor), beta, locked, down
    secret = randomSecret();
    beta = NodeProcess.spawn({ role: "beta", port: ports[1], secret });
    locked = NodeProcess.spawn({ role: "locked", port: ports[2], secret: randomSecret() });
    await Promise.all([beta.waitListening(), locked.waitListening()]);
    proxy = await SkewProxy.start(ports[1], 600);
    bin = mkdtempSync(join(tmpdir(), "ctw-claude-"));
    const claude = join(bin, "claude");
    writeFileSync(claude, '#!/bin/sh\necho "${FAKE_CLAUDE_VERSION:-2.1.332} (Claude Code)"\n');
    chmodSync(claude, 0o755);
    path = `${bin}:${process.env.PATH}`;
    mkdirSync(join(bin, ".claude"));
    writeFileSync(join(bin, ".claude", "settings.json"), mergeHooks(undefined));
  });
  after(async () => {
    await Promise.all([beta.stop(), locked.stop(), proxy.close()]);
    rmSync(bin, { recursive: true, force: true });
  });

  test("a healthy mesh: every line ok, exit 0", async () => {
    const { code, out } = await doctor(env(`beta=127.0.0.1:${ports[1]}`));
    assert.match(out, /^ok +config: role "alpha", peers beta, secret from INTERCOM_SECRET/m);
    assert.match(out, new RegExp(`^ok +port ${ports[0]} on 0\\.0\\.0\\.0 is free$`, "m"));
    assert.match(
      out,
      /^ok +peer "beta" at http:\/\/127\.0\.0\.1:\d+: online, version \S+, signatures v1, clock in step, same secret$/m,
    );
    assert.match(out, /^ok +claude 2\.1\.332: new enough for channels \(2\.1\.80\+\)$/m);
    assert.match(out, /^All is well\.$/m);
    assert.ok(!out.includes(secret), "the secret is never printed");
    assert.equal(code, 0, out);
  });

  test("a peer with another secret: FAIL naming INTERCOM_SECRET, exit 1", async () => {
    const { code, out } = await doctor(env(`locked=127.0.0.1:${ports[2]}`));
    assert.match(
      out,
      /^FAIL +peer "locked" .*does not accept our secret: use the same INTERCOM_SECRET/m,
    );
    assert.equal(code, 1, out);
  });

  test("a peer whose clock is 10 minutes ahead: FAIL on the clock, not the secret", async () => {
    const { code, out } = await doctor(env(`beta=127.0.0.1:${proxy.port}`));
    assert.match(
      out,
      /^FAIL +peer "beta" .*: its clock (59\d|60\d) s ahead of ours, beyond the ±300 s/m,
    );
    assert.doesNotMatch(out, /does not accept our secret/);
    assert.equal(code, 1, out);
  });

  test("an address that answers as another role: FAIL naming both roles, exit 1", async () => {
    const { code, out } = await doctor(env(`tester=127.0.0.1:${ports[1]}`));
    assert.match(out, /^FAIL +peer "tester" .*: answers as "beta", not "tester": fix that entry/m);
    assert.equal(code, 1, out);
  });

  test("a peer that is down: FAIL not reachable, exit 1", async () => {
    const { code, out } = await doctor(env(`down=127.0.0.1:${ports[3]}`));
    assert.match(out, /^FAIL +peer "down" .*: not reachable \(connection refused\)/m);
    assert.equal(code, 1, out);
  });

  test("an old Claude Code and an unexpanded secret fail; a missing claude only warns", async () => {
    const old = await doctor(env(`beta=127.0.0.1:${ports[1]}`, { FAKE_CLAUDE_VERSION: "2.1.50" }));
    assert.match(old.out, /^FAIL +claude 2\.1\.50 is older than 2\.1\.80/m);
    assert.equal(old.code, 1, old.out);
    const unexpanded = await doctor(
      env("", { INTERCOM_SECRET: "${INTERCOM_SECRET}", PATH: "/usr/bin:/bin" }),
    );
    assert.match(
      unexpanded.out,
      /^FAIL +INTERCOM_SECRET is the unexpanded text "\$\{INTERCOM_SECRET\}"/m,
    );
    assert.match(unexpanded.out, /^warn +claude: not found on PATH/m);
    assert.equal(unexpanded.code, 1, unexpanded.out);
  });

  test("a port held by another program fails; one held by our own role is fine", async () => {
    const taken = await doctor(
      env(`beta=127.0.0.1:${ports[1]}`, { INTERCOM_PORT: String(ports[2]) }),
    );
    assert.match(
      taken.out,
      /^FAIL +port \d+ on 0\.0\.0\.0 is in use by a node with role "locked"/m,
    );
    assert.equal(taken.code, 1, taken.out);
    const own = await doctor(env(`alpha2=127.0.0.1:${ports[1]}`, {
      MY_ROLE: "beta",
      INTERCOM_PORT: String(ports[1]),
      PEERS: `locked=127.0.0.1:${ports[2]}`,
      INTERCOM_SECRET: secret,
    }));
    assert.match(own.out, /^ok +port \d+ on 0\.0\.0\.0 is in use by a "beta" node/m);
  });
});
