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

/** The client options for `config`; `name` shows in the server's connection list. */
export function connectionOptions(config: NatsConfig, name: string): ConnectionOptions {
  return {
    servers: config.servers,
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

/** One line saying why connecting to `config`'s servers failed, and what to check. */
export function describeConnectError(error: unknown, config: NatsConfig): string {
  const where = config.servers.join(", ");
  const text = (error as Error)?.message ?? String(error);
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
  return `cannot connect to NATS at ${where}: ${text}`;
}

/** Connects once; throws what `connect` throws. */
export function connectNats(config: NatsConfig, name: string): Promise<NatsConnection> {
  return connect(connectionOptions(config, name));
}
