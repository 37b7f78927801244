// Smoke tests of the npm package under Node: the packed tarball (one esbuild bundle, no runtime
// dependencies), installed like a user would, run through npx and its bin. Needs npm/ built
// first (`npm test` does that). Mesh tests with a Deno node and broker mode: npm_mesh.test.mjs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, test } from "node:test";
import {
  childEnv,
  exec,
  freePort,
  packAndInstall,
  rawSession,
  staticImports,
  within,
} from "./_package.mjs";

const SECRET = "smoke-test-secret-0123456789abcdef";
/** @type {Awaited<ReturnType<typeof packAndInstall>>} */
let pkg;
before(async () => {
  pkg = await packAndInstall();
}, { timeout: 180_000 });
after(() => {
  if (pkg) rmSync(pkg.dir, { recursive: true, force: true });
});

const nodeEnv = (role, port, peers) => ({
  MY_ROLE: role,
  PEERS: peers,
  INTERCOM_PORT: String(port),
  INTERCOM_HOST: "127.0.0.1",
  INTERCOM_SECRET: SECRET,
});

test("npm package holds the bundle, declarations, licenses and the bin, and no source maps", () => {
  const paths = pkg.files.map((f) => f.path).sort();
  const unexpected = paths.filter((p) =>
    !/^(package\.json|README\.md|LICENSE|THIRD_PARTY_LICENSES|CHANGELOG\.md|server\.json|bin\/[\w-]+\.cjs|dist\/((chunks|lazy)\/)?[\w-]+\.js|types\/[\w/-]+\.d\.ts)$/
      .test(p) || /_test\.|(^|\/)_fixtures/.test(p)
  );
  assert.deepEqual(unexpected, []);
  for (const p of ["dist/cli.js", "dist/mod.js", "dist/viewer.js", "types/mod.d.ts"]) {
    assert.ok(paths.includes(p), `${p} is in the tarball`);
  }
  const manifest = JSON.parse(
    readFileSync(join(pkg.app, "node_modules/claude-talkie-walkie/package.json"), "utf8"),
  );
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    // npm 11 looks even optional peer dependencies up on the registry for every npx.
    assert.equal(manifest[field], undefined, `no ${field}`);
  }
  const licenses = readFileSync(
    join(pkg.app, "node_modules/claude-talkie-walkie/THIRD_PARTY_LICENSES"),
    "utf8",
  );
  for (const name of ["@modelcontextprotocol/sdk", "zod", "@nats-io/nats-core"]) {
    assert.match(licenses, new RegExp(`^- ${name} `, "m"), `${name} is credited`);
  }
});

test("npm install <tarball> into an empty folder adds no other package", () => {
  const installed = readdirSync(join(pkg.app, "node_modules")).filter((n) => !n.startsWith("."));
  assert.deepEqual(installed, ["claude-talkie-walkie"]);
});

test("the bin's front end is one file without the MCP SDK, zod, the store or NATS", () => {
  const dist = join(pkg.app, "node_modules/claude-talkie-walkie/dist");
  // What loads before initialize is answered: cli.js alone.
  assert.deepEqual([...staticImports(dist, "cli.js")], ["cli.js"]);
  const code = readFileSync(join(dist, "cli.js"), "utf8");
  assert.ok(!/modelcontextprotocol|ZodError|\$ZodType/.test(code), "no MCP SDK, no zod");
  assert.ok(!/node:sqlite|node:http\b|NATS\/1\.0/.test(code), "no store, no HTTP, no NATS");
  // The node, the viewer and the demo load from lazy/ once asked; broker mode only in it.
  const lazy = readdirSync(join(dist, "lazy"));
  for (const name of ["src_cli_run_node.js", "viewer_main.js", "src_cli_demo.js"]) {
    assert.ok(lazy.includes(name), `${name} in ${lazy}`);
  }
  const node = staticImports(dist, "lazy/src_cli_run_node.js");
  const source = (file) => readFileSync(join(dist, file), "utf8");
  assert.ok(![...node].some((f) => source(f).includes("NATS/1.0")), "no NATS client in the node");
});

test("the hook waiter's entry loads neither the MCP SDK, nor zod, nor NATS", () => {
  const dist = join(pkg.app, "node_modules/claude-talkie-walkie/dist");
  const loaded = staticImports(dist, "hook.js");
  const code = [...loaded].map((f) => readFileSync(join(dist, f), "utf8")).join("\n");
  assert.ok(!/NATS\/1\.0/.test(code), "no NATS client");
  assert.ok(!/jsonrpc|modelcontextprotocol/i.test(code), "no MCP SDK");
  assert.ok(!/ZodError|\$ZodType/.test(code), "no zod");
  assert.ok(!/node:sqlite/.test(code), "no store");
});

test("the bin's hook command runs the waiter: no node of this session, exit 0, nothing said", () => {
  const binFile = join(pkg.app, "node_modules/claude-talkie-walkie/bin/claude-talkie-walkie.cjs");
  const r = spawnSync("/bin/sh", ["-c", `'${process.execPath}' '${binFile}' hook`], {
    input: JSON.stringify({ session_id: "s", cwd: pkg.dir, hook_event_name: "Stop" }),
    encoding: "utf8",
    timeout: 20_000,
    // childEnv: the bin's compile cache goes to the test's folder, not the temp folder.
    env: childEnv({
      INTERCOM_HOOK_GRACE_MS: "0",
      INTERCOM_LOCAL_DIR: join(pkg.dir, "no-registry"),
    }),
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "");
});

test("npx -y --package=<tarball> claude-talkie-walkie --version prints the version", async () => {
  const { stdout } = await exec("npx", [
    "-y",
    "--prefer-offline",
    `--package=${pkg.tarball}`,
    "claude-talkie-walkie",
    "--version",
  ], { cwd: pkg.dir });
  assert.equal(stdout.trim(), pkg.version);
});

test("bin on Node older than 22.13 prints one line on stderr and exits 1", () => {
  const binFile = join(pkg.app, "node_modules/claude-talkie-walkie/bin/claude-talkie-walkie.cjs");
  const script = `Object.defineProperty(process.versions, "node", { value: "22.12.0" });
require(${JSON.stringify(binFile)});`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 10_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  assert.match(
    r.stderr,
    /^claude-talkie-walkie needs Node\.js 22\.13 or newer, this is Node 22\.12\.0/,
  );
  assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("node writes only JSON-RPC to stdout and exits cleanly when stdin closes", async () => {
  const node = rawSession(pkg.bin, nodeEnv("solo", await freePort(), ""));
  try {
    const init = await node.initialize();
    assert.equal(init.result?.serverInfo?.name, "talkie-walkie", node.stderr());
    assert.ok(init.result.capabilities.experimental?.["claude/channel"]);
    if (process.platform === "linux") {
      // Started through its first line, as npx does: no V8 flag, which would cost Node its
      // built-in code cache at every start (the node sets its heap flags after initialize).
      const argv = readFileSync(`/proc/${node.child.pid}/cmdline`, "utf8").split("\0");
      assert.ok(!argv.some((a) => /^--(max-semi|heap-growing)/.test(a)), argv.join(" "));
    }
    node.send({ method: "notifications/initialized" });
    const tools = await node.request("tools/list");
    assert.deepEqual(
      tools.result.tools.map((t) => t.name).sort(),
      [
        "broadcast_message",
        "list_peers",
        "read_messages",
        "search_messages",
        "send_message",
        "set_status",
        "wait_for_message",
      ],
    );
    node.child.stdin.end();
    // A bound against a hang only; how fast it exits is not measured across processes.
    const code = await within(15_000, "exit after stdin closed", node.exited);
    assert.equal(code, 0);
    const notJsonRpc = node.lines.filter((line) => {
      try {
        return JSON.parse(line).jsonrpc !== "2.0";
      } catch {
        return true;
      }
    });
    assert.deepEqual(notJsonRpc, [], "every stdout line is a JSON-RPC message");
  } finally {
    node.kill();
  }
});

test("under Node, initialize, initialized and tools/list in one write are answered once each", async () => {
  const node = rawSession(pkg.bin, nodeEnv("one-write", await freePort(), ""));
  try {
    const answered = (id) =>
      node.lines.map((l) => JSON.parse(l)).filter((m) => m.id === id && !("method" in m));
    const ping = new Promise((resolve) => {
      const check = () => answered(3).length > 0 ? resolve() : setTimeout(check, 20);
      check();
    });
    node.child.stdin.write(
      [
        {
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "claude-code", version: "1" },
          },
        },
        { method: "notifications/initialized" },
        { id: 2, method: "tools/list" },
        { id: 3, method: "ping" },
      ].map((m) => JSON.stringify({ jsonrpc: "2.0", ...m }) + "\n").join(""),
    );
    await within(30_000, "the answer to ping", ping);
    assert.deepEqual(node.lines.map((l) => JSON.parse(l).id), [1, 2, 3], node.stderr());
    assert.equal(answered(1)[0].result.serverInfo.name, "talkie-walkie");
    assert.ok(answered(2)[0].result.tools.length > 0);
  } finally {
    node.kill();
  }
});

test("under Node, a client that closes stdin right after initialize: exit 0, no crash", async () => {
  const node = rawSession(pkg.bin, nodeEnv("brief", await freePort(), ""));
  try {
    await node.initialize();
    node.child.stdin.end();
    assert.equal(await within(30_000, "exit after stdin closed", node.exited), 0, node.stderr());
    assert.doesNotMatch(node.stderr(), /fatal|unhandled|Error:/i);
    assert.equal(node.lines.length, 1, "initialize answered once");
  } finally {
    node.kill();
  }
});

test("under Node, a bad configuration exits 2 with one line and answers nothing", async () => {
  const node = rawSession(pkg.bin, { ...nodeEnv("bad", 1, ""), INTERCOM_PORT: "eighty" });
  try {
    node.send({
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "x", version: "1" },
      },
    });
    assert.equal(await within(30_000, "exit", node.exited), 2);
    assert.deepEqual(node.lines, []);
    assert.match(node.stderr(), /^claude-talkie-walkie: INTERCOM_PORT "eighty" is not a port/);
  } finally {
    node.kill();
  }
});

test("port in use under Node: stderr says so and MCP still answers", async () => {
  const taken = await freePort({ hold: true });
  const node = rawSession(pkg.bin, nodeEnv("second", taken.port, ""));
  try {
    const init = await node.initialize();
    assert.equal(init.result?.serverInfo?.name, "talkie-walkie");
    // initialize is answered before the node has loaded: the listener's error comes after it.
    await node.waitStderr(new RegExp(`port ${taken.port} .*already in use`));
    node.child.stdin.end();
    assert.equal(await within(3_000, "exit after stdin closed", node.exited), 0);
  } finally {
    node.kill();
    await taken.release();
  }
});

test("the bundle's node:http path keeps the body limit, the UTF-8 check and SSE", async () => {
  const port = await freePort();
  const node = rawSession(pkg.bin, {
    ...nodeEnv("bodies", port, ""),
    INTERCOM_MAX_MESSAGE_BYTES: "1000", // a body limit of 14,192 bytes
  });
  const url = `http://127.0.0.1:${port}`;
  const post = (body) =>
    fetch(`${url}/message`, { method: "POST", headers: { "x-intercom-secret": SECRET }, body });
  try {
    await node.initialize();
    // As Claude Code does: a node hands messages only to an initialized session.
    node.send({ method: "notifications/initialized" });
    // initialize is answered before the node has loaded: its listener comes up after it.
    await node.waitStderr(/listening on http/);
    const events = await fetch(`${url}/events`, { headers: { "x-intercom-secret": SECRET } });
    const reader = events.body.getReader();
    assert.equal((await post(new Uint8Array(20_000).fill(0x61))).status, 413);
    const bad = await post(new Uint8Array([0x7b, 0xff, 0x7d]));
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /UTF-8/);
    const ok = await post(JSON.stringify({ from: "curl", message: "through node:http" }));
    assert.equal(ok.status, 200, await ok.clone().text());
    let text = "";
    while (!text.includes("through node:http")) {
      const { value, done } = await within(10_000, "SSE event", reader.read());
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    assert.match(text, /event: recv/);
    await reader.cancel();
  } finally {
    node.kill();
  }
});

test("--help, --version, viewer --once and demo run from the bundle", async () => {
  const help = await exec(pkg.bin, ["--help"]);
  assert.match(help.stdout, /^claude-talkie-walkie \d+\.\d+\.\d+\n/);
  assert.match(help.stdout, /INTERCOM_NATS_URL/);
  assert.equal((await exec(pkg.bin, ["--version"])).stdout.trim(), pkg.version);
  const viewerHelp = await exec(pkg.bin, ["viewer", "--help"]);
  assert.match(viewerHelp.stdout, /--once/);

  const port = await freePort();
  const node = rawSession(pkg.bin, nodeEnv("watched", port, ""));
  try {
    await node.initialize();
    await node.waitStderr(/listening on http/);
    const viewer = await exec(pkg.bin, ["viewer", "--once", `watched=127.0.0.1:${port}`], {
      env: childEnv({ INTERCOM_SECRET: SECRET }),
      timeout: 30_000,
    });
    assert.match(viewer.stdout, /watched/, viewer.stderr);
  } finally {
    node.kill();
  }
  const demo = await exec(pkg.bin, ["demo", "--duration", "2"], { timeout: 30_000 });
  assert.match(demo.stdout, /^Mesh up: /m, demo.stderr);
});

test("the library entries import under Node", async () => {
  const script = `
    import { loadConfig, parseEnvelope, VERSION } from "claude-talkie-walkie";
    import { initialState, render } from "claude-talkie-walkie/viewer";
    const config = loadConfig(["--role", "lib"], { INTERCOM_SECRET: "x".repeat(32) }, () => "");
    const frame = render(initialState(["lib"]), { width: 80, height: 24, now: 0 });
    console.log(JSON.stringify({ VERSION, role: config.role, parse: typeof parseEnvelope,
      frame: frame.toText().includes("lib") }));`;
  const { stdout } = await exec(process.execPath, ["--input-type=module", "-e", script], {
    cwd: pkg.app,
  });
  assert.deepEqual(JSON.parse(stdout), {
    VERSION: pkg.version,
    role: "lib",
    parse: "function",
    frame: true,
  });
});
