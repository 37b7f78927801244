/**
 * What the network tests share: nodes started inside a bed's namespaces, listening on their
 * own addresses, and the bed torn down with them.
 *
 * @module
 */

import { NodeProcess, randomSecret, resultText } from "../support/harness.ts";
import type { NetHost } from "../support/netbed.ts";
import { poll } from "../support/nats.ts";

/** The port every node listens on: each has an address of its own. */
export const PORT = 8788;

/** The environment of a node on the bed: fast retries, no send limits, its own address. */
export function bedEnv(host: NetHost, extra: Record<string, string> = {}): Record<string, string> {
  return {
    INTERCOM_HOST: host.address,
    INTERCOM_RATE_LIMIT: "0",
    INTERCOM_SEND_LIMIT: "0",
    ...extra,
  };
}

/** Starts a node in `host`'s namespace with `peers` (name → `address:port`) and connects MCP. */
export async function startOn(
  host: NetHost,
  role: string,
  o: { secret: string; peers?: Record<string, string>; env?: Record<string, string> },
  started: NodeProcess[],
): Promise<NodeProcess> {
  const node = NodeProcess.spawn({
    role,
    port: PORT,
    secret: o.secret,
    peers: o.peers,
    netns: host.netns,
    env: bedEnv(host, o.env),
  });
  started.push(node);
  await node.waitListening();
  await node.connect();
  return node;
}

/** Waits until `node`'s list_peers says `peer` is online, and returns the listing. */
export function waitOnline(node: NodeProcess, peer: string, timeoutMs = 20_000): Promise<string> {
  return poll(
    async () => {
      const t = resultText(await node.session.call("list_peers"));
      return new RegExp(`${peer}\\b.*online`).test(t) ? t : undefined;
    },
    `${node.role} to see ${peer} online`,
    timeoutMs,
  );
}

/** The texts `node` received from `from`, in order. */
export const textsFrom = (node: NodeProcess, from: string): string[] =>
  node.session.events.filter((e) => e.meta?.from === from).map((e) => e.content);

export { randomSecret, resultText };
