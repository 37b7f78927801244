/**
 * What a node is configured with: the {@linkcode Config} value that the command line builds
 * from flags and environment (`app/config.ts`) and every layer reads. Types and defaults only.
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import type { Peer } from "./transport.ts";

export type { Peer };

/** The secret a node uses when `INTERCOM_SECRET` is not set (v2 compatible). */
export const DEFAULT_SECRET = "change-me-in-production";
/** Default limit on the UTF-8 size of one message's text, in bytes (64 KiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;

/** Everything a node needs to start. */
export interface Config {
  /** This session's role (`MY_ROLE`). */
  role: string;
  /** The peers of `PEERS` (or `REMOTE_HOST`). */
  peers: Peer[];
  /** The shared secret (`INTERCOM_SECRET`). */
  secret: string;
  /** TCP port to listen on, 0 for any free port. */
  port: number;
  /** `INTERCOM_PORT=auto`: a free port, registered under the role in {@linkcode localDir}. */
  portAuto?: boolean;
  /** The per-user directory of this machine's nodes (for auto ports and host-less peers). */
  localDir?: string;
  /** Base URL of this machine's node for a role; set when PEERS has host-less entries. */
  resolveLocal?: (role: string) => string | undefined;
  /**
   * Every other node of this user on this machine, as peers (with their project directory):
   * set when `INTERCOM_PORT=auto` runs with an empty `PEERS`.
   */
  discoverLocal?: () => Peer[];
  /** The project directory (the working directory), shown to this machine's other sessions. */
  project?: string;
  /**
   * What `INTERCOM_PORT=auto` filled in because it was not set: the role from the project
   * directory (`wanted` is its name before a suffix made it unique), the per-user secret of
   * {@linkcode localDir}, every local node as a peer.
   */
  localDefaults?: { role?: { directory: string; wanted: string }; secret?: true; discover?: true };
  /** Bind address. */
  hostname: string;
  /** Limit on one message's UTF-8 text, in bytes. */
  maxMessageBytes: number;
  /** How long undeliverable messages are retried, in milliseconds. */
  retryWindowMs: number;
  /** Outbox bounds: queued messages and their UTF-8 bytes, over all peers. */
  outboxMaxMessages: number;
  /** UTF-8 bytes of all queued messages, at most. */
  outboxMaxBytes: number;
  /**
   * Where the node's database lives (`INTERCOM_STATE_DIR`, else `$XDG_STATE_HOME/…`, else
   * `~/.local/state/claude-talkie-walkie`).
   */
  stateDir: string;
  /** Node key fingerprints given up front in `PEERS` (`name…#SHA256:…`), role → fingerprint. */
  pins?: ReadonlyMap<string, string>;
  /** Days of message history kept (`INTERCOM_HISTORY_DAYS`, default 30). */
  historyDays: number;
  /** Bytes of message text kept in the history at most (`INTERCOM_HISTORY_MAX_MB`, 100 MiB). */
  historyMaxBytes: number;
  /** Refuse unsigned requests and never send the secret header (INTERCOM_REQUIRE_SIGNATURE). */
  requireSignature: boolean;
  /** `/message` limit per sender: messages a minute (0: off) and burst. */
  rateLimitPerMinute: number;
  /** Messages a sender may send at once before the limit applies. */
  rateLimitBurst: number;
  /** Send-side loop guard: messages a minute to one peer (0: off). */
  sendLimitPerMinute: number;
  /** Send read receipts (`INTERCOM_READ_RECEIPTS`, default on). */
  readReceipts: boolean;
  /**
   * Seconds unread messages may sit while the session keeps calling tools before peers are
   * told it does not seem to receive channel events, and how old a delivered message must be to
   * count as "not yet read" (`INTERCOM_UNREAD_NOTICE`, default 60).
   */
  unreadNoticeSeconds: number;
  /**
   * The human operator's Ed25519 public key (`INTERCOM_OPERATOR_KEY=ed25519:…`): with it the
   * node relays permission prompts and takes operator messages signed by that key.
   */
  operatorKey?: { text: string; key: KeyObject };
  /**
   * How long a permission prompt stays pending, in milliseconds (`INTERCOM_PROMPT_TIMEOUT`
   * seconds, default 600).
   */
  promptTimeoutMs: number;
  /** Most concurrent `/events` clients. */
  maxEventClients: number;
  /**
   * Host names accepted besides the loopback ones when listening on loopback, and the only
   * browser `Origin` hosts accepted (INTERCOM_ALLOWED_HOSTS); none by default.
   */
  allowedHosts?: string[];
  /** Failed authentications a minute per source address before 429 (0: off; default 30). */
  authFailuresPerMinute?: number;
  /**
   * Send the secret in the `X-Intercom-Secret` header to a v2 peer (one whose `/health` does not
   * advertise signatures) even over HTTPS (INTERCOM_ALLOW_SECRET_HEADER).
   */
  allowSecretHeader?: boolean;
  /** PEM paths of this node's HTTPS certificate and key. */
  tlsCert?: string;
  /** PEM path of the key of `tlsCert`. */
  tlsKey?: string;
  /** PEM path of a private CA that peers' certificates are signed by. */
  caFile?: string;
  /** Broker mode (INTERCOM_NATS_URL): peers come from the broker; PEERS names the roster. */
  nats?: NatsConfig;
  /** Warnings for stderr (insecure secret, local-only bind). */
  warnings: string[];
}

export { ConfigError, type Env } from "../core/env.ts";

/** How a node reaches the broker, when `INTERCOM_NATS_URL` is set. */
export interface NatsConfig {
  /** Server URLs, `nats://` or `tls://`, tried in order and on reconnect. */
  servers: string[];
  /** Contents of the `INTERCOM_NATS_CREDS` file (a user JWT and NKey seed). */
  creds?: Uint8Array;
  /** Path of the creds file, for messages (never its contents). */
  credsFile?: string;
  /** User name of a user/password login. */
  user?: string;
  /** Password of a user/password login. */
  password?: string;
  /** Token login. */
  token?: string;
  /** Prefix of every subject, bucket and stream name; `talkie` by default. */
  mesh: string;
  /** Keep messages for offline roles in a JetStream stream (`INTERCOM_NATS_DURABLE`). */
  durable: boolean;
  /** How long a presence entry lives without a heartbeat, in milliseconds (default 15 s). */
  presenceTtlMs: number;
  /**
   * The team's roles from `PEERS` (names only, addresses ignored), without our own. In durable
   * mode a message to one of them that is offline is stored; a name outside the roster that
   * was never seen is refused as a likely typo.
   */
  roster?: string[];
  /**
   * TLS settings beyond the system's: a private CA (`INTERCOM_CA`) and a client certificate
   * (`INTERCOM_NATS_CERT`, `INTERCOM_NATS_KEY`) for servers that require one (mutual TLS).
   */
  tls?: NatsTls;
  /** How long a stored message (or report) is kept, in milliseconds (INTERCOM_NATS_MAX_AGE). */
  maxAgeMs?: number;
  /** Size bound of the mesh's stream, in bytes (INTERCOM_NATS_MAX_BYTES). */
  maxBytes?: number;
}

/** PEM texts for the broker's TLS, with the paths they came from (for messages). */
export interface NatsTls {
  /** The CA that signed the server's certificate (PEM), from `caFile`. */
  ca?: string;
  /** Path of `ca` (INTERCOM_CA), for messages. */
  caFile?: string;
  /** This node's client certificate (PEM), from `certFile`. */
  cert?: string;
  /** Path of `cert` (INTERCOM_NATS_CERT), for messages. */
  certFile?: string;
  /** The private key of `cert` (PEM), from `keyFile`. */
  key?: string;
  /** Path of `key` (INTERCOM_NATS_KEY), for messages. */
  keyFile?: string;
}
