/**
 * End-to-end: the setup path of a new user. `init` without a terminal writes a `.mcp.json`
 * whose entry starts a working node once Claude Code expands `${INTERCOM_SECRET}`; it never
 * replaces an entry without `--force`; `doctor` reads the same file; and a node whose
 * INTERCOM_SECRET stayed the literal `${INTERCOM_SECRET}` stops with one line.
 */

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import {
  freePorts,
  NodeProcess,
  randomSecret,
  resultText,
  ROOT,
  waitFor,
} from "../support/harness.ts";
import { launchFromMcpJson } from "../../src/cli/mcp_json.ts";

/** Where the nodes and commands of these tests keep state: never the user's own. */
const STATE = mkdtempSync(join(tmpdir(), "ctw-setup-state-"));
after(() => rmSync(STATE, { recursive: true, force: true }));

/** Runs the CLI in `cwd` with stdin not a terminal; resolves to exit code and output. */
function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, ["run", "-A", join(ROOT, "main.ts"), ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NO_COLOR: "1",
        // init makes the node key ahead: in the test's directory, never the user's state.
        XDG_STATE_HOME: join(cwd, ".state"),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "", err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => out += d);
    child.stderr.setEncoding("utf8").on("data", (d: string) => err += d);
    child.once("exit", (code) => resolve({ code, out, err }));
  });
}

describe("init and the .mcp.json it writes", () => {
  let dir: string;
  let port: number, peerPort: number;
  const nodes: NodeProcess[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ctw-init-"));
    [port, peerPort] = await freePorts(2);
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("init --role --peers --port writes the entry with ${INTERCOM_SECRET} and a new secret", async () => {
    const r = await cli(
      [
        "init",
        "--role",
        "backend",
        "--peers",
        `frontend=127.0.0.1:${peerPort}`,
        "--port",
        String(port),
      ],
      dir,
    );
    assert.equal(r.code, 0, r.err);
    const config = JSON.parse(readFileSync(join(dir, ".mcp.json"), "utf8"));
    const entry = config.mcpServers["talkie-walkie"];
    assert.equal(entry.command, "npx");
    assert.match(entry.args.join(" "), /^-y claude-talkie-walkie@\d+\.x$/);
    assert.deepEqual(entry.env, {
      MY_ROLE: "backend",
      PEERS: `frontend=127.0.0.1:${peerPort}`,
      INTERCOM_PORT: String(port),
      INTERCOM_SECRET: "${INTERCOM_SECRET}",
    });
    const secret = /export INTERCOM_SECRET=(\S+)/.exec(r.out)?.[1];
    assert.ok(secret && secret.length >= 43, `a strong secret is printed once: ${r.out}`);
    assert.ok(!readFileSync(join(dir, ".mcp.json"), "utf8").includes(secret!));
    assert.match(r.out, /init --role frontend --peers backend=\S+:\d+ --port \d+/);
    // The node key is made ahead, readable by its owner only, and its fingerprint printed.
    const keyFile = join(dir, ".state", "claude-talkie-walkie", "backend.key");
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const fingerprint = /This node's key: (SHA256:[A-Za-z0-9_-]{43}) \(new, /.exec(r.out)?.[1];
    assert.ok(fingerprint, r.out);
    assert.match(r.out, new RegExp(`backend=<host>#${fingerprint}`));
    const doctor = await cli(["doctor"], dir, { INTERCOM_SECRET: secret! });
    assert.match(doctor.out, new RegExp(`ok +node key ${fingerprint} \\(${keyFile}\\)`));
  });

  test("a node starts from that entry once the secret is in the environment", async () => {
    const secret = randomSecret();
    const launch = launchFromMcpJson(readFileSync(join(dir, ".mcp.json"), "utf8"), {
      INTERCOM_SECRET: secret,
    })!;
    assert.equal(launch.env.INTERCOM_SECRET, secret);
    const node = NodeProcess.spawn({
      role: "backend",
      port,
      env: Object.fromEntries(
        Object.entries(launch.env).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      args: launch.args,
    });
    nodes.push(node);
    await node.waitListening();
    const session = await node.connect();
    const peers = resultText(await session.call("list_peers"));
    assert.match(peers, new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`));
    assert.match(peers, /frontend/);
  });

  test("doctor reads the same .mcp.json and names the file", async () => {
    const r = await cli(["doctor"], dir, { INTERCOM_SECRET: randomSecret() });
    assert.match(r.out, /^Checking the node configured in .*\.mcp\.json\.$/m);
    assert.match(
      r.out,
      /^ok +config: role "backend", peers frontend, secret from INTERCOM_SECRET/m,
    );
    assert.match(r.out, /^FAIL +peer "frontend" .*not reachable/m);
    assert.equal(r.code, 1);
  });

  test("a second init leaves the file alone unless --force; other servers are kept", async () => {
    const path = join(dir, ".mcp.json");
    const before = readFileSync(path, "utf8");
    const refused = await cli(["init", "--role", "other"], dir);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /was left as it is: it already has a "talkie-walkie" server/);
    assert.equal(readFileSync(path, "utf8"), before);
    const config = JSON.parse(before);
    config.mcpServers.other = { command: "other-server" };
    writeFileSync(path, JSON.stringify(config));
    const forced = await cli(["init", "--role", "other", "--port", "auto", "--force"], dir, {
      INTERCOM_SECRET: "a-secret-this-machine-already-has",
    });
    assert.equal(forced.code, 0, forced.err);
    assert.ok(
      !forced.out.includes("a-secret-this-machine-already-has"),
      "a given secret is never printed",
    );
    assert.match(forced.out, /No secret to share: the sessions on this machine use a per-user/);
    const after = JSON.parse(readFileSync(path, "utf8"));
    assert.deepEqual(after.mcpServers.other, { command: "other-server" });
    assert.equal(after.mcpServers["talkie-walkie"].env.MY_ROLE, "other");
  });

  test("init --user-scope prints the one line for every project and writes nothing", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ctw-init-"));
    try {
      const r = await cli(["init", "--user-scope"], empty);
      assert.equal(r.code, 0, r.err);
      assert.match(
        r.out,
        /^claude mcp add --scope user talkie-walkie -e INTERCOM_PORT=auto -- npx -y claude-talkie-walkie@\d+\.x$/m,
      );
      assert.throws(() => readFileSync(join(empty, ".mcp.json")));
      const bare = await cli(["init"], empty);
      assert.equal(bare.code, 2);
      assert.match(bare.err, /or --user-scope for every project on this machine/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test("init --claude-add prints the claude mcp add line and writes nothing", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ctw-init-"));
    try {
      const r = await cli(["init", "--role", "a", "--peers", "b,c", "--claude-add"], empty);
      assert.equal(r.code, 0, r.err);
      assert.match(
        r.out,
        /^claude mcp add talkie-walkie --scope project -e MY_ROLE=a -e PEERS=b,c -e INTERCOM_PORT=auto -- npx -y claude-talkie-walkie@\d+\.x\n$/,
      );
      assert.throws(() => readFileSync(join(empty, ".mcp.json")));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test("a node whose INTERCOM_SECRET is the literal ${INTERCOM_SECRET} stops with one line", async () => {
    const node = NodeProcess.spawn({
      role: "backend",
      port,
      env: { INTERCOM_SECRET: "${INTERCOM_SECRET}" },
    });
    nodes.push(node);
    const exit = await node.waitExit(10_000);
    assert.equal(exit.code, 2);
    assert.equal(
      node.stderr,
      'claude-talkie-walkie: INTERCOM_SECRET is the unexpanded text "${INTERCOM_SECRET}": ' +
        "export INTERCOM_SECRET in the shell that starts claude (or set it in the MCP config)\n",
    );
    assert.deepEqual(node.stdoutLines, []);
  });

  test(
    "a node started in a terminal says on stderr what it is and how to add it",
    { skip: spawnSync("script", ["--version"]).status !== 0 && "no script(1) for a terminal" },
    async () => {
      // script(1) gives the node a terminal for stdin; closing our end ends the node.
      const node = `${process.execPath} run -A ${join(ROOT, "main.ts")}`;
      const state = mkdtempSync(join(tmpdir(), "ctw-solo-"));
      const child = spawn("script", ["-qfec", node, "/dev/null"], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          XDG_STATE_HOME: STATE,
          NO_COLOR: "1",
          INTERCOM_STATE_DIR: state,
          MY_ROLE: "solo",
          INTERCOM_PORT: "0",
          INTERCOM_HOST: "127.0.0.1",
        },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => out += d);
      const exited = new Promise((resolve) => child.once("exit", resolve));
      try {
        await waitFor(() => /listening on/.test(out), `the node to start; output:\n${out}`, 15_000);
        const text = out.replace(/\r/g, "");
        assert.match(text, /is an MCP server for Claude Code/);
        assert.match(text, /npx -y\s+claude-talkie-walkie init/);
        assert.match(text, /--help/);
        assert.ok(
          text.indexOf("MCP server") < text.indexOf("listening on"),
          "the hint comes first",
        );
      } finally {
        child.stdin.end();
        // A bound against a hang only: the child normally exits as soon as stdin ends.
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref?.())]);
        if (child.exitCode === null) child.kill("SIGKILL");
        rmSync(state, { recursive: true, force: true });
      }
    },
  );
});
