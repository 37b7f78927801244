/**
 * Connecting to the broker: connection options from {@linkcode NatsConfig} and one-line
 * explanations of connection failures.
 *
 * @module
 */

import {
  connect,
  type ConnectionOptions,
  credsAuthenticator,
  type NatsConnection,
} from "@nats-io/transport-node";
import type { NatsConfig } from "./config.ts";
import { describeTlsFailure, peekServerInfo, type ServerInfo, tlsClientOptions } from "./tls.ts";

/** The client options for `config`; `name` shows in the server's connection list. */
export function connectionOptions(config: NatsConfig, name: string): ConnectionOptions {
  const tls = tlsClientOptions(config.servers, config.tls);
  return {
    servers: config.servers,
    ...(tls ? { tls } : {}),
    name,
    ...(config.creds ? { authenticator: credsAuthenticator(config.creds) } : {}),
    ...(config.user ? { user: config.user, pass: config.password } : {}),
    ...(config.token ? { token: config.token } : {}),
    timeout: 5_000,
    // Keep reconnecting for as long as the node runs; cluster members are tried in turn.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    pingInterval: 10_000,
  };
}

/** Whether an error is the server refusing the login (retrying cannot help). */
export function isAuthError(error: unknown): boolean {
  const e = error as { message?: string; code?: string; name?: string };
  return /authori[sz]ation|authentication|AuthorizationError/i.test(
    `${e?.name} ${e?.code} ${e?.message}`,
  );
}

/**
 * One line saying why connecting to `config`'s servers failed, and what to check: which of the
 * CA, the server's name, the client certificate (when `info`, the server's clear-text `INFO`,
 * says it requires one) or the login failed.
 */
export function describeConnectError(
  error: unknown,
  config: NatsConfig,
  info?: ServerInfo,
): string {
  const where = config.servers.join(", ");
  const text = (error as Error)?.message ?? String(error);
  const tls = describeTlsFailure(error, config.tls, where, info);
  if (tls) return tls;
  if (isAuthError(error)) {
    const how = config.credsFile
      ? `the creds file ${config.credsFile}`
      : config.user
      ? `user "${config.user}" and its password`
      : config.token
      ? "INTERCOM_NATS_TOKEN"
      : "no credentials (set INTERCOM_NATS_CREDS, INTERCOM_NATS_USER/PASSWORD or TOKEN)";
    return `NATS at ${where} refused the login (${text}): check ${how}`;
  }
  return `cannot connect to NATS at ${where}: ${text}; check that nats-server runs there ` +
    "and INTERCOM_NATS_URL names it (this node keeps trying)";
}

/**
 * {@linkcode describeConnectError} after asking the first server what it requires: a server
 * that wants a client certificate often just drops a client without one, which looks like a
 * timeout.
 */
export async function explainConnectError(error: unknown, config: NatsConfig): Promise<string> {
  const info = isAuthError(error) ? undefined : await peekServerInfo(config.servers[0]);
  return describeConnectError(error, config, info);
}

/** Connects once; throws what `connect` throws. */
export function connectNats(config: NatsConfig, name: string): Promise<NatsConnection> {
  return connect(connectionOptions(config, name));
}

/** Why one request failed: the sentence for the user and whether trying again can help. */
export interface RequestFailure {
  reason: string;
  retryable: boolean;
  /** Nobody answers the subject: the role is not online (a broker may store the message). */
  offline: boolean;
}

/** The names of `error` and of its causes (NATS wraps a timeout in a `RequestError`). */
function errorNames(error: unknown): string[] {
  const names: string[] = [];
  for (let e = error as { name?: string; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    names.push(String(e.name));
    e = e.cause as typeof e;
  }
  return names;
}

/**
 * One line saying why a request on `subject` to role `peer` failed: nobody online, no answer in
 * time, a broker permission that retrying cannot fix, or a connection problem.
 */
export function describeRequestError(
  error: unknown,
  o: { peer: string; mesh: string; subject: string; timeoutMs: number },
): RequestFailure {
  const names = errorNames(error);
  if ((error as { isNoResponders?: () => boolean })?.isNoResponders?.()) {
    return {
      reason: `"${o.peer}" is not online in mesh "${o.mesh}" (no responders on ${o.subject})`,
      retryable: true,
      offline: true,
    };
  }
  if (names.includes("TimeoutError")) {
    return {
      reason: `no answer from "${o.peer}" within ${o.timeoutMs} ms`,
      retryable: true,
      offline: false,
    };
  }
  const text = (error as Error)?.message ?? String(error);
  if (names.includes("PermissionViolationError") || /permissions? violation/i.test(text)) {
    return {
      reason: `the NATS login may not publish on ${o.subject} (${text}): ask the broker's ` +
        `admin to allow "${o.mesh}.>" and "_INBOX.>" for this user`,
      retryable: false,
      offline: false,
    };
  }
  return { reason: `the request to "${o.peer}" failed: ${text}`, retryable: true, offline: false };
}
