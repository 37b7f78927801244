/**
 * `claude-talkie-walkie doctor`: reads the configuration a node would (same flags and
 * environment) and reports in plain lines what works and what does not, each failure with its
 * fix. Exit code 0 when nothing failed (warnings allowed), 1 otherwise.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { openSecretFiles } from "../platform/dirs.ts";
import { join, resolve } from "node:path";
import { homedir } from "node:os";
import { createServer } from "node:net";
import process from "node:process";
import { type Config, ConfigError, DEFAULT_SECRET, type Env } from "../node/config.ts";
import { loadConfig } from "../app/config.ts";
import { type Check, judgePeer, probePeer } from "./doctor_peer.ts";
import { lookupLocal } from "../platform/local_registry.ts";
import { describeUnexpanded, findUnexpanded } from "../app/unexpanded.ts";
import { type Launch, launchFromMcpJson } from "./mcp_json.ts";
import { notRegistered } from "../http/local_peers.ts";
import { signatureKey } from "../core/signature.ts";
import { fetchTrusting } from "../platform/runtime.ts";
import { VERSION } from "../platform/version.ts";
import { inspectStore } from "../store/inspect.ts";
import { nodeKeyFile, storeFile } from "../store/location.ts";
import { checkHooks } from "./doctor_hooks.ts";
import { describeNodeKey } from "../store/node_key_file.ts";

/** The oldest Claude Code with channels. */
export const CHANNELS_SINCE = "2.1.80";

const HELP = `Usage: claude-talkie-walkie doctor [--file .mcp.json] [node flags]

Checks the configuration a node would use: the talkie-walkie server of ./.mcp.json (or --file)
as Claude Code starts it, else the flags and environment. It reports unexpanded \${…} values,
the port, the store (path, size, state), the node key's fingerprint, each peer (reachable, role,
version, signatures, same secret, clock), whether Claude Code is new enough for channels, and how
this project's session hears messages (hook waiters of init --hooks, workspace trust). Exit code 0
when all is well.
`;

function describeSecret(args: string[], env: Env, config: Config): string {
  if (args.includes("--secret-file")) {
    return `secret from --secret-file (${config.secret.length} characters)`;
  }
  if (config.localDefaults?.secret) return `the per-user secret of ${config.localDir}`;
  if (env.INTERCOM_SECRET === undefined) return "no INTERCOM_SECRET (the default, loopback only)";
  if (config.secret === DEFAULT_SECRET) return "INTERCOM_SECRET is the default";
  return `secret from INTERCOM_SECRET (${config.secret.length} characters)`;
}

/** The `--secret-file` of node flags (`--secret-file PATH` or `--secret-file=PATH`). */
function secretFileOf(args: string[]): string | undefined {
  const at = args.indexOf("--secret-file");
  if (at >= 0) return args[at + 1];
  return args.find((a) => a.startsWith("--secret-file="))?.slice("--secret-file=".length);
}

/** Whether `port` can be bound on `hostname` now; the error code when not. */
function tryListen(port: number, hostname: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (e) => resolve((e as { code?: string }).code ?? String(e)));
    server.listen(port, hostname, () => server.close(() => resolve(undefined)));
  });
}

async function checkPort(config: Config): Promise<Check> {
  if (config.portAuto) {
    const running = lookupLocal(config.localDir!, config.role);
    return {
      level: "ok",
      text: `port: auto (a free one at start, registered in ${config.localDir})` +
        (running ? `; a "${config.role}" node runs at ${running} (this session's?)` : ""),
    };
  }
  const where = `port ${config.port} on ${config.hostname}`;
  const problem = await tryListen(config.port, config.hostname);
  if (problem === undefined) return { level: "ok", text: `${where} is free` };
  if (problem !== "EADDRINUSE") {
    return { level: "fail", text: `${where}: cannot listen (${problem})` };
  }
  // Usually this session's own node holds it: that is fine.
  const scheme = config.tlsCert ? "https" : "http";
  const facts = await probePeer(
    `${scheme}://127.0.0.1:${config.port}`,
    signatureKey(config.secret),
    {
      timeoutMs: 1_500,
    },
  );
  if (facts.reachable && facts.role === config.role) {
    return { level: "ok", text: `${where} is in use by a "${config.role}" node (this session's?)` };
  }
  const who = facts.reachable ? `a node with role "${facts.role}"` : "another program";
  return {
    level: "fail",
    text: `${where} is in use by ${who}: set INTERCOM_PORT to a free port, or auto on one machine`,
  };
}

/** Parses the first `x.y.z` in a text. */
export function parseVersion(text: string): number[] | undefined {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? m.slice(1, 4).map(Number) : undefined;
}

/** Whether version `a` is at least `b` (both `x.y.z`). */
export function atLeast(a: number[], b: number[]): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/** Runs `claude --version` and judges it against {@linkcode CHANNELS_SINCE}. */
export function checkClaude(): Promise<Check> {
  return new Promise((resolve) => {
    execFile("claude", ["--version"], { timeout: 10_000 }, (error, stdout) => {
      if (error && (error as { code?: unknown }).code === "ENOENT") {
        return resolve({
          level: "warn",
          text: `claude: not found on PATH: sessions need Claude Code ${CHANNELS_SINCE} or ` +
            "newer; install it with npm install -g @anthropic-ai/claude-code (see " +
            "code.claude.com/docs), or use talkie-walkie from another MCP client",
        });
      }
      const version = parseVersion(String(stdout));
      if (!version) {
        return resolve({
          level: "warn",
          text: `claude --version said nothing usable (${error ?? stdout})`,
        });
      }
      const text = version.join(".");
      resolve(
        atLeast(version, parseVersion(CHANNELS_SINCE)!)
          ? { level: "ok", text: `claude ${text}: new enough for channels (${CHANNELS_SINCE}+)` }
          : {
            level: "fail",
            text:
              `claude ${text} is older than ${CHANNELS_SINCE}, which channels need: run "claude update"`,
          },
      );
    });
  });
}

async function checkPeers(config: Config): Promise<Check[]> {
  if (config.nats) {
    return [{
      level: "warn",
      text: "broker mode: peers come from the broker; doctor checks HTTP peers only",
    }];
  }
  // An empty PEERS with INTERCOM_PORT=auto: every other node of this user on this machine.
  const peers = config.discoverLocal?.() ?? config.peers;
  if (config.discoverLocal && peers.length === 0) {
    return [{
      level: "warn",
      text: "no other session of this user runs on this machine yet (INTERCOM_PORT=auto finds " +
        "them as they start)",
    }];
  }
  if (peers.length === 0) {
    return [{
      level: "warn",
      text: "no peers: set PEERS (name=host[:port],… or bare names on this machine)",
    }];
  }
  const key = signatureKey(config.secret);
  const fetch = config.caFile
    ? await fetchTrusting(readFileSync(config.caFile, "utf8"))
    : undefined;
  return await Promise.all(peers.map(async (peer) => {
    if (!peer.local) return judgePeer(peer, await probePeer(peer.url, key, { fetch }));
    const url = lookupLocal(config.localDir!, peer.name);
    if (url === undefined) {
      return {
        level: "fail" as const,
        text: `peer "${peer.name}" on this machine: ${notRegistered(peer.name)}`,
      };
    }
    return judgePeer({ ...peer, url }, await probePeer(url, key, { fetch }));
  }));
}

/** Every check, in report order. A configuration that cannot load ends the list early. */
export async function diagnose(args: string[], env: Env): Promise<Check[]> {
  const checks: Check[] = [{ level: "ok", text: `claude-talkie-walkie ${VERSION}` }];
  for (const w of openSecretFiles(secretFileOf(args), env)) checks.push({ level: "warn", text: w });
  const unexpanded = findUnexpanded(args, env);
  for (const u of unexpanded) checks.push({ level: "fail", text: describeUnexpanded(u) });
  if (unexpanded.length > 0) return [...checks, await checkClaude()];
  let config: Config;
  try {
    // The role this project gets when it starts first, not a suffixed one beside its own node.
    config = loadConfig(args, env, (p) => readFileSync(p, "utf8"), { roles: () => [] });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...checks, { level: "fail", text: `config: ${e.message}` }, await checkClaude()];
  }
  const peers = config.discoverLocal
    ? "every session of this user on this machine"
    : config.peers.map((p) => p.name).join(", ") || "none";
  checks.push({
    level: "ok",
    text: `config: role "${config.role}", peers ${peers}, ${describeSecret(args, env, config)}`,
  });
  for (const w of config.warnings) checks.push({ level: "warn", text: w });
  const [port, peerChecks, claude] = await Promise.all([
    checkPort(config),
    checkPeers(config),
    checkClaude(),
  ]);
  const store = inspectStore(storeFile(config.stateDir, config.role, config.nats?.mesh));
  const key = describeNodeKey(nodeKeyFile(config.stateDir, config.role, config.nats?.mesh));
  const version = claude.level === "warn" ? undefined : parseVersion(claude.text);
  const hooks = checkHooks(process.cwd(), env.HOME || homedir(), version, atLeast);
  return [...checks, port, store, key, ...peerChecks, claude, ...hooks];
}

const LABEL = { ok: "ok  ", warn: "warn", fail: "FAIL" } as const;

/** Formats the report: one line per check, then a summary line. */
export function formatReport(checks: Check[]): string {
  const lines = checks.map((c) => `${LABEL[c.level]}  ${c.text}`);
  const failed = checks.filter((c) => c.level === "fail").length;
  const warned = checks.filter((c) => c.level === "warn").length;
  lines.push(
    failed === 0
      ? `All is well${warned ? ` (${warned} warning${warned === 1 ? "" : "s"})` : ""}.`
      : `${failed} problem${failed === 1 ? "" : "s"} found: fix the FAIL lines above.`,
  );
  return lines.join("\n") + "\n";
}

/**
 * The talkie-walkie entry Claude Code would start in `cwd` from `~/.claude.json`: the project's
 * own (`claude mcp add --scope local`), else the user's (`--scope user`); undefined when there
 * is none or the file cannot be read.
 */
export function claudeJsonEntry(
  cwd: string,
  env: Record<string, string | undefined>,
): { launch: Launch; source: string } | undefined {
  const file = join(env.HOME || homedir(), ".claude.json");
  let config: { mcpServers?: unknown; projects?: Record<string, { mcpServers?: unknown }> };
  try {
    config = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
  const scopes = [
    { servers: config.projects?.[cwd]?.mcpServers, scope: "local" },
    { servers: config.mcpServers, scope: "user" },
  ];
  for (const { servers, scope } of scopes) {
    if (!servers) continue;
    const launch = launchFromMcpJson(JSON.stringify({ mcpServers: servers }), env);
    if (launch) return { launch, source: `${file} (${scope} scope)` };
  }
  return undefined;
}

/** The `doctor` command: prints the report on stdout; resolves to 0 when nothing failed. */
export async function doctorMain(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  let launch: Launch = { args, env: process.env };
  const at = args.indexOf("--file");
  const file = resolve(at >= 0 ? args[at + 1] ?? "" : ".mcp.json");
  const nodeArgs = at >= 0 ? args.filter((_, i) => i !== at && i !== at + 1) : args;
  let source = "the environment";
  if (at >= 0 || existsSync(file)) {
    try {
      const found = launchFromMcpJson(readFileSync(file, "utf8"), process.env);
      if (found) {
        launch = { args: [...found.args, ...nodeArgs], env: found.env };
        source = `${file}`;
      }
    } catch (e) {
      process.stdout.write(`FAIL  cannot read ${file}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  if (source === "the environment" && at < 0) {
    // Claude Code's own entries (`claude mcp add`, local or user scope) live in ~/.claude.json.
    const user = claudeJsonEntry(process.cwd(), process.env);
    if (user) {
      launch = { args: [...user.launch.args, ...nodeArgs], env: user.launch.env };
      source = user.source;
    }
  }
  if (source === "the environment") launch.args = nodeArgs;
  process.stdout.write(`Checking the node configured in ${source}.\n`);
  const checks = await diagnose(launch.args, launch.env);
  process.stdout.write(formatReport(checks));
  return checks.some((c) => c.level === "fail") ? 1 : 0;
}
