/**
 * Broker-mode settings: `INTERCOM_NATS_URL` and friends, parsed into a {@linkcode NatsConfig}.
 * Kept apart from `config.ts` so the HTTP mesh's configuration reads as before.
 *
 * @module
 */

import { ConfigError, type Env } from "../cli/config.ts";

/** How a node reaches the broker, when `INTERCOM_NATS_URL` is set. */
export interface NatsConfig {
  /** Server URLs, `nats://` or `tls://`, tried in order and on reconnect. */
  servers: string[];
  /** Contents of the `INTERCOM_NATS_CREDS` file (a user JWT and NKey seed). */
  creds?: Uint8Array;
  /** Path of the creds file, for messages (never its contents). */
  credsFile?: string;
  user?: string;
  password?: string;
  token?: string;
  /** Prefix of every subject, bucket and stream name; `talkie` by default. */
  mesh: string;
  /** Keep messages for offline roles in a JetStream stream (`INTERCOM_NATS_DURABLE`). */
  durable: boolean;
  /** How long a presence entry lives without a heartbeat, in milliseconds (default 15 s). */
  presenceTtlMs: number;
}

/** What a mesh name may look like: it becomes a subject token and part of bucket names. */
export const MESH_NAME: RegExp = /^[A-Za-z0-9_-]{1,32}$/;

/** Role names that would collide with the mesh's own subjects (`<mesh>.events.<role>`, …). */
export const RESERVED_ROLES: readonly string[] = ["events", "inbox"];

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
 * Reads the broker settings. Returns `undefined` when `INTERCOM_NATS_URL` is unset (the HTTP
 * mesh); `flag`/`positive` are config.ts's own readers, so the messages look alike.
 *
 * @throws {ConfigError} naming the variable and the fix.
 * @example
 * ```ts
 * const nats = parseNatsConfig({ INTERCOM_NATS_URL: "nats://10.0.0.5:4222" }, "backend", {
 *   readFile, flag, positive,
 * });
 * ```
 */
export function parseNatsConfig(
  env: Env,
  role: string,
  io: {
    readFile: (path: string) => string;
    flag: (env: Env, name: string) => boolean;
    positive: (env: Env, name: string, fallback: number) => number;
  },
): NatsConfig | undefined {
  const url = env.INTERCOM_NATS_URL?.trim() ?? "";
  const durable = io.flag(env, "INTERCOM_NATS_DURABLE");
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
  if (role.includes(".") || RESERVED_ROLES.includes(role)) {
    throw new ConfigError(
      `Role "${role}" cannot be used in broker mode: ` +
        (role.includes(".") ? 'NATS subjects use "." as a separator' : "the name is reserved") +
        ': choose another MY_ROLE, e.g. "' + role.replaceAll(".", "-") + '-1"',
    );
  }
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
      creds = new TextEncoder().encode(io.readFile(credsFile));
    } catch (e) {
      throw new ConfigError(`Cannot read INTERCOM_NATS_CREDS "${credsFile}": ${e}`);
    }
  }
  return {
    servers,
    creds,
    credsFile,
    user,
    password,
    token,
    mesh,
    durable,
    presenceTtlMs: io.positive(env, "INTERCOM_NATS_PRESENCE_TTL", 15) * 1000,
  };
}
