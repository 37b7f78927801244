/**
 * Broker-mode settings: `INTERCOM_NATS_URL` and friends, parsed into a {@linkcode NatsConfig}.
 * Kept apart from `config.ts` so the HTTP mesh's configuration reads as before.
 *
 * @module
 */

import { ConfigError, type Env, flag, positive } from "../core/env.ts";
import type { NatsConfig } from "../node/config.ts";

import { brokerRoleProblem, MESH_NAME } from "../core/names.ts";
import { parseNatsTls } from "./tls.ts";

export type { NatsConfig };

/** The smallest stream INTERCOM_NATS_MAX_BYTES may ask for: a few messages of the largest size. */
const MIN_STREAM_BYTES = 1024 * 1024;

function parseServers(text: string): string[] {
  const servers = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const s of servers) {
    let url: URL | undefined;
    try {
      url = new URL(s);
    } catch { /* reported below */ }
    if (!url || !["nats:", "tls:"].includes(url.protocol) || url.hostname === "") {
      throw new ConfigError(
        `INTERCOM_NATS_URL entry "${s}" is not a NATS server URL: write nats://host:4222 ` +
          "or tls://host:4222, several separated by commas",
      );
    }
  }
  return servers;
}

/**
 * Parses `PEERS` in broker mode as the roster: names only (`backend,frontend`), or `name=host`
 * entries whose hosts are ignored. Our own role and repeated names are dropped, so one PEERS
 * line can serve the whole team.
 *
 * @returns the names, sorted, and whether any entry carried an (ignored) address.
 * @throws {ConfigError} for a name the broker cannot use, naming the entry.
 * @example
 * ```ts
 * parseRoster("backend, frontend=10.0.0.6:8788, tester", "tester");
 * // { roster: ["backend", "frontend"], addresses: true }
 * ```
 */
export function parseRoster(peers: string, role: string): { roster: string[]; addresses: boolean } {
  const names = new Set<string>();
  let addresses = false;
  for (const entry of peers.split(",").map((e) => e.trim()).filter((e) => e !== "")) {
    const eq = entry.indexOf("=");
    if (eq >= 0) addresses = true;
    const name = (eq >= 0 ? entry.slice(0, eq) : entry).trim();
    const problem = brokerRoleProblem(name);
    if (problem) {
      throw new ConfigError(`Role${name ? ` "${name}"` : ""} in PEERS entry "${entry}" ${problem}`);
    }
    if (name !== role) names.add(name);
  }
  return { roster: [...names].sort(), addresses };
}

/** What the set of peers of a broker mesh is called in messages ("online in …"). */
export function meshScope(mesh: string): string {
  return `mesh "${mesh}"`;
}

/**
 * Reads the broker settings. Returns `undefined` when `INTERCOM_NATS_URL` is unset (the HTTP
 * mesh). `role` is checked against the broker's name rule; the viewer, which has no role,
 * passes `undefined`. `peers` (the `--peers` flag or `PEERS`) becomes the roster, see
 * {@linkcode parseRoster}.
 *
 * @throws {ConfigError} naming the variable and the fix.
 * @example
 * ```ts
 * const nats = parseNatsConfig({ INTERCOM_NATS_URL: "nats://10.0.0.5:4222" }, "backend", () => "");
 * ```
 */
export function parseNatsConfig(
  env: Env,
  role: string | undefined,
  readFile: (path: string) => string,
  peers = "",
): NatsConfig | undefined {
  const url = env.INTERCOM_NATS_URL?.trim() ?? "";
  const durable = flag(env, "INTERCOM_NATS_DURABLE");
  if (url === "") {
    if (durable) {
      throw new ConfigError("INTERCOM_NATS_DURABLE needs INTERCOM_NATS_URL (broker mode)");
    }
    return undefined;
  }
  const servers = parseServers(url);
  if (servers.length === 0) throw new ConfigError("INTERCOM_NATS_URL names no server");
  const mesh = (env.INTERCOM_MESH ?? "").trim() || "talkie";
  if (!MESH_NAME.test(mesh)) {
    throw new ConfigError(
      `INTERCOM_MESH "${mesh}" may only contain letters, digits, "_" and "-" (at most 32)`,
    );
  }
  const problem = role === undefined ? undefined : brokerRoleProblem(role);
  if (problem) throw new ConfigError(`Role "${role}" ${problem} as MY_ROLE`);
  const user = env.INTERCOM_NATS_USER?.trim() || undefined;
  const password = env.INTERCOM_NATS_PASSWORD || undefined;
  const token = env.INTERCOM_NATS_TOKEN || undefined;
  const credsFile = env.INTERCOM_NATS_CREDS?.trim() || undefined;
  const kinds = [
    credsFile && "INTERCOM_NATS_CREDS",
    user && "INTERCOM_NATS_USER",
    token &&
    "INTERCOM_NATS_TOKEN",
  ].filter(Boolean);
  if (kinds.length > 1) {
    throw new ConfigError(`Set only one of ${kinds.join(", ")}: they are different NATS logins`);
  }
  if ((user === undefined) !== (password === undefined)) {
    throw new ConfigError("Set both INTERCOM_NATS_USER and INTERCOM_NATS_PASSWORD, or neither");
  }
  let creds: Uint8Array | undefined;
  if (credsFile) {
    try {
      creds = new TextEncoder().encode(readFile(credsFile));
    } catch (e) {
      throw new ConfigError(`Cannot read INTERCOM_NATS_CREDS "${credsFile}": ${e}`);
    }
  }
  const maxAgeMs = positive(env, "INTERCOM_NATS_MAX_AGE", 24 * 3600) * 1000;
  const maxBytes = positive(env, "INTERCOM_NATS_MAX_BYTES", 64 * 1024 * 1024);
  if (maxBytes < MIN_STREAM_BYTES) {
    throw new ConfigError(
      `INTERCOM_NATS_MAX_BYTES "${maxBytes}" is too small: at least ${MIN_STREAM_BYTES} bytes, ` +
        "so that a message of the largest size fits",
    );
  }
  return {
    servers,
    tls: parseNatsTls(env, readFile),
    maxAgeMs,
    maxBytes,
    creds,
    credsFile,
    user,
    password,
    token,
    mesh,
    durable,
    presenceTtlMs: positive(env, "INTERCOM_NATS_PRESENCE_TTL", 15) * 1000,
    roster: parseRoster(peers, role ?? "").roster,
  };
}

/**
 * The one line a broker-mode node says about `PEERS`, if any: addresses are ignored (the names
 * are the roster), or without durable mode the whole list is.
 */
export function rosterWarning(config: NatsConfig, peers: string): string | undefined {
  if (peers.trim() === "") return undefined;
  if (!config.durable) {
    return "PEERS is ignored in broker mode without INTERCOM_NATS_DURABLE=1: peers are the " +
      "sessions online on the broker (set INTERCOM_NATS_DURABLE=1 to make PEERS the roster)";
  }
  if (!parseRoster(peers, "").addresses) return undefined;
  const roster = config.roster ?? [];
  return `PEERS addresses are ignored in broker mode: only the names count, as the roster (${
    roster.join(", ") || "none"
  }); write PEERS=${roster.join(",") || "name,…"} to silence this`;
}
