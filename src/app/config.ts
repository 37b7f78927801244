/**
 * Node configuration from environment variables (v2 compatible) and command-line flags.
 *
 * @module
 */

import { stateDir } from "../store/location.ts";
import { splitPins } from "../core/pin_syntax.ts";
import { parseArgs } from "node:util";
import { parseNatsConfig, rosterWarning } from "../nats/config.ts";
import { type Env, flag, positive, readPem } from "../core/env.ts";
import { type Config, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SECRET } from "../node/config.ts";
import { DEFAULT_PORT } from "../http/address.ts";
import { signatureKey } from "../core/secret_key.ts";
import { localRegistryDir, lookupLocal } from "../platform/local_registry.ts";
import { liveRoles, localPeers } from "./local_defaults.ts";
import { localSecret } from "../platform/local_secret.ts";
import { roleFrom, uniqueRole } from "../core/names.ts";
import { basename } from "node:path";
import process from "node:process";
import { describeUnexpanded, findUnexpanded } from "./unexpanded.ts";
import { checkName, ConfigError, parsePeers } from "./peers.ts";
import { parseOperatorPublicKey } from "../core/operator_signature.ts";

/** `INTERCOM_OPERATOR_KEY` as a key, or undefined when unset. @throws {ConfigError} naming it. */
function operatorKey(env: Env): Config["operatorKey"] {
  const text = env.INTERCOM_OPERATOR_KEY?.trim();
  if (!text) return undefined;
  try {
    return { text, key: parseOperatorPublicKey(text) };
  } catch (e) {
    throw new ConfigError(`INTERCOM_OPERATOR_KEY ${(e as Error).message}`);
  }
}

export { checkName, ConfigError, parsePeers, type Peer } from "./peers.ts";

/**
 * Parses INTERCOM_ALLOWED_HOSTS: comma-separated host names or IP literals (IPv6 in brackets),
 * without scheme or port, lower-cased.
 *
 * @throws {ConfigError} on an entry with a scheme, a path or a port.
 */
export function parseAllowedHosts(text: string): string[] {
  const hosts = text.split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== "");
  for (const host of hosts) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)$/.test(host)) {
      throw new ConfigError(
        `INTERCOM_ALLOWED_HOSTS entry "${host}" is not a host name: write names like ` +
          "talkie.example.com or [fd00::6], without scheme or port",
      );
    }
  }
  return hosts;
}

function parsePort(value: string, what: string): number {
  if (value.trim().toLowerCase() === "auto") return 0;
  const port = Number(value);
  if (value.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(
      `${what} "${value}" is not a port: use a number from 1 to 65535, or auto`,
    );
  }
  return port;
}

/** Flags of the node command, as `node:util` parseArgs options. */
const NODE_FLAGS = {
  role: { type: "string" },
  peers: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  "secret-file": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

/** Where zero configuration on one machine looks (injected for tests). */
export interface LocalSources {
  /** The project directory; default the working directory. */
  cwd?: string;
  /** The per-user secret of a registry directory; default {@linkcode localSecret}. */
  secret?: (dir: string) => string;
  /** Roles in use in a registry directory; default {@linkcode liveRoles}. */
  roles?: (dir: string) => string[];
}

const unset = (value: string | undefined) => value === undefined || value.trim() === "";

/**
 * Builds the node's configuration from flags (which win) and environment. With
 * `INTERCOM_PORT=auto` (and no broker), what is not set comes from this machine: an unset
 * `MY_ROLE` is the project directory's name (unique among this user's nodes), an empty `PEERS`
 * means every node of this user here, an unset `INTERCOM_SECRET` the per-user secret.
 *
 * @param args command-line arguments after the command name.
 * @param env environment variables.
 * @param readFile reads the `--secret-file` and the TLS and CA files (injected for tests).
 * @param local where zero configuration looks (injected for tests).
 * @throws {ConfigError} with one line naming the bad entry and the fix.
 */
export function loadConfig(
  args: string[],
  env: Env,
  readFile: (path: string) => string,
  local: LocalSources = {},
): Config {
  const unexpanded = findUnexpanded(args, env);
  if (unexpanded.length > 0) throw new ConfigError(describeUnexpanded(unexpanded[0]));
  let values;
  try {
    ({ values } = parseArgs({ args, options: NODE_FLAGS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new ConfigError(`${(e as Error).message}: see --help`);
  }
  const portText = values.port ?? env.INTERCOM_PORT ?? String(DEFAULT_PORT);
  const port = parsePort(portText, values.port !== undefined ? "--port" : "INTERCOM_PORT");
  const portAuto = portText.trim().toLowerCase() === "auto";
  // In broker mode PEERS is the roster (names only), read by the broker's own config below.
  const brokerMode = (env.INTERCOM_NATS_URL ?? "").trim() !== "";
  const zero = portAuto && !brokerMode;
  const registry = zero ? localRegistryDir(env) : undefined;
  const cwd = local.cwd ?? process.cwd();
  const defaults: NonNullable<Config["localDefaults"]> = {};
  let role: string;
  if (registry && values.role === undefined && unset(env.MY_ROLE)) {
    // One machine, no role given: the project directory names the session.
    const wanted = roleFrom(basename(cwd));
    let taken: string[] = [];
    try {
      taken = (local.roles ?? liveRoles)(registry);
    } catch { /* no registry yet: nothing is taken */ }
    role = uniqueRole(wanted, taken);
    defaults.role = { directory: cwd, wanted };
  } else {
    role = checkName(
      (values.role ?? env.MY_ROLE ?? "developer-a").trim(),
      values.role !== undefined ? "--role" : "MY_ROLE",
    );
  }
  // A `#SHA256:…` after an entry pins that role's node key up front (HTTP and broker alike).
  let peersText: string;
  let pins: Map<string, string>;
  try {
    ({ peers: peersText, pins } = splitPins(values.peers ?? env.PEERS ?? ""));
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const peers = brokerMode ? [] : parsePeers(peersText, env.REMOTE_HOST ?? "", role);
  if (registry && peers.length === 0) defaults.discover = true;
  let secret = env.INTERCOM_SECRET ?? DEFAULT_SECRET;
  if (registry && unset(env.INTERCOM_SECRET) && values["secret-file"] === undefined) {
    try {
      secret = (local.secret ?? localSecret)(registry);
      defaults.secret = true;
    } catch (e) {
      throw new ConfigError(`Cannot use the per-user secret: ${(e as Error).message}`);
    }
  }
  if (values["secret-file"] !== undefined) {
    try {
      secret = readFile(values["secret-file"]).trim();
    } catch (e) {
      throw new ConfigError(`Cannot read --secret-file "${values["secret-file"]}": ${e}`);
    }
  }
  const localDir = portAuto || peers.some((p) => p.local) ? localRegistryDir(env) : undefined;
  const maxMessageBytes = positive(env, "INTERCOM_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES);
  const retryWindowMs = positive(env, "INTERCOM_RETRY_WINDOW", 600, { integer: false }) * 1000;
  const outboxMaxMessages = positive(env, "INTERCOM_OUTBOX_MAX_MESSAGES", 1000);
  const outboxMaxBytes = positive(env, "INTERCOM_OUTBOX_MAX_BYTES", 16 * 1024 * 1024);
  const history = {
    stateDir: stateDir(env),
    pins,
    historyDays: positive(env, "INTERCOM_HISTORY_DAYS", 30, { integer: false }),
    historyMaxBytes: positive(env, "INTERCOM_HISTORY_MAX_MB", 100, { integer: false }) * 1048576,
  };
  const security = {
    requireSignature: flag(env, "INTERCOM_REQUIRE_SIGNATURE"),
    rateLimitPerMinute: positive(env, "INTERCOM_RATE_LIMIT", 60, { zeroOff: true }),
    // A burst as large as the loop guard, so a session within its own limit is not throttled.
    rateLimitBurst: positive(env, "INTERCOM_RATE_BURST", 20),
    sendLimitPerMinute: positive(env, "INTERCOM_SEND_LIMIT", 20, { zeroOff: true }),
    maxEventClients: positive(env, "INTERCOM_MAX_EVENT_CLIENTS", 64),
    readReceipts: env.INTERCOM_READ_RECEIPTS === undefined || flag(env, "INTERCOM_READ_RECEIPTS"),
    unreadNoticeSeconds: positive(env, "INTERCOM_UNREAD_NOTICE", 60, { integer: false }),
    allowedHosts: parseAllowedHosts(env.INTERCOM_ALLOWED_HOSTS ?? ""),
    authFailuresPerMinute: positive(env, "INTERCOM_AUTH_FAILURE_LIMIT", 30, { zeroOff: true }),
    allowSecretHeader: flag(env, "INTERCOM_ALLOW_SECRET_HEADER"),
    operatorKey: operatorKey(env),
    promptTimeoutMs: positive(env, "INTERCOM_PROMPT_TIMEOUT", 600, { integer: false }) * 1000,
    tlsCert: env.INTERCOM_TLS_CERT?.trim() || undefined,
    tlsKey: env.INTERCOM_TLS_KEY?.trim() || undefined,
    caFile: env.INTERCOM_CA?.trim() || undefined,
  };
  if (!security.tlsCert !== !security.tlsKey) {
    throw new ConfigError(
      "Set both INTERCOM_TLS_CERT and INTERCOM_TLS_KEY (PEM file paths) to serve HTTPS",
    );
  }
  // A TLS file that cannot be read is a configuration error, not a node without a listener.
  for (
    const [name, path] of [
      ["INTERCOM_TLS_CERT", security.tlsCert],
      ["INTERCOM_TLS_KEY", security.tlsKey],
      ["INTERCOM_CA", security.caFile],
    ] as const
  ) {
    if (path !== undefined) readPem(name, path, readFile);
  }
  const nats = parseNatsConfig(env, role, readFile, peersText);
  try {
    signatureKey(secret);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const warnings: string[] = [];
  const rosterNote = nats && rosterWarning(nats, peersText);
  if (rosterNote) warnings.push(rosterNote);
  const weak = secret === "" || secret === DEFAULT_SECRET;
  const hostFlag = values.host ?? env.INTERCOM_HOST;
  // Auto ports serve this machine's sessions only, so they stay on loopback unless told.
  const hostname = hostFlag?.trim() || (weak || portAuto ? "127.0.0.1" : "0.0.0.0");
  if (weak && nats) {
    warnings.push(
      `INTERCOM_SECRET is ${secret === "" ? "empty" : "the default"}: in broker mode anyone ` +
        "who can publish on the broker can write into your session; set a long random " +
        "INTERCOM_SECRET shared by the mesh",
    );
  }
  if (weak) {
    warnings.push(
      `INTERCOM_SECRET is ${secret === "" ? "empty" : "the default"}: ` +
        (hostFlag
          ? "anyone who can reach this node can write into your session"
          : "listening on 127.0.0.1 only, peers on other machines cannot reach this node " +
            "until INTERCOM_SECRET is set"),
    );
  } else if (secret.length < 16) {
    warnings.push("INTERCOM_SECRET is shorter than 16 characters: use a long random secret");
  }
  return {
    role,
    peers,
    secret,
    port,
    ...(portAuto ? { portAuto } : {}),
    ...(localDir ? { localDir } : {}),
    ...(localDir && (peers.some((p) => p.local) || defaults.discover)
      ? { resolveLocal: (role: string) => lookupLocal(localDir, role) }
      : {}),
    ...(localDir && defaults.discover ? { discoverLocal: () => localPeers(localDir, role) } : {}),
    ...(portAuto ? { project: cwd } : {}),
    ...(Object.keys(defaults).length ? { localDefaults: defaults } : {}),
    hostname,
    maxMessageBytes,
    retryWindowMs,
    outboxMaxMessages,
    outboxMaxBytes,
    ...history,
    ...security,
    ...(nats ? { nats } : {}),
    warnings,
  };
}
