/**
 * Peers written without a host (`PEERS=frontend,tester`): their URL is looked up at each
 * delivery and probe, because sessions on one machine start in any order and take any port
 * (`INTERCOM_PORT=auto`). Wraps the HTTP transport without changing it.
 *
 * @module
 */

import type { Peer } from "../node/transport.ts";
import type { PeerTransport } from "../node/transport.ts";

/** What a local peer's URL shows until the peer is found. */
export const LOCAL_URL = "local";

/** Why a local peer cannot be reached yet. */
export function notRegistered(name: string): string {
  return `no node "${name}" runs on this machine (INTERCOM_PORT=auto) yet: check the name in ` +
    "PEERS, or start that session";
}

/** What the set of discovered peers is called in messages ("online in …"). */
export const DISCOVERED_SCOPE = "this machine's registry";

/**
 * A transport that resolves each peer marked `local` through `lookup` (role to base URL) before
 * the inner transport sees it. A local peer that is not found is offline (retryable). With
 * `discover` (an empty PEERS), the peers are every node it returns, known by presence: a role
 * that is not registered now is not online.
 *
 * @example
 * ```ts ignore
 * const transport = withLocalPeers(new HttpTransport({ peers, secret }), (role) => urlOf(role));
 * ```
 */
export function withLocalPeers(
  inner: PeerTransport,
  lookup: (name: string) => string | undefined,
  discover?: () => Peer[],
): PeerTransport {
  const resolve = (peer: Peer): Peer | undefined => {
    if (!peer.local) return peer;
    const url = lookup(peer.name);
    return url === undefined ? undefined : { ...peer, url };
  };
  return {
    start: () => inner.start(),
    status: () =>
      discover
        ? { ...inner.status(), scope: DISCOVERED_SCOPE, online: discover().map((p) => p.name) }
        : inner.status(),
    peers: () => {
      const listed = inner.peers().map((p) => resolve(p) ?? { ...p, url: LOCAL_URL });
      if (!discover) return listed;
      const names = new Set(listed.map((p) => p.name));
      return [...listed, ...discover().filter((p) => !names.has(p.name))];
    },
    deliver(peer, envelope) {
      const found = resolve(peer);
      if (found) return inner.deliver(found, envelope);
      const reason = notRegistered(peer.name);
      return Promise.resolve({ ok: false, kind: "unreachable", reason, retryable: true });
    },
    probe(peer) {
      const found = resolve(peer);
      if (found) return inner.probe(found);
      return Promise.resolve({ state: "offline", reason: notRegistered(peer.name) });
    },
    async receipt(peer, receipt) {
      const found = resolve(peer);
      if (found) await inner.receipt?.(found, receipt);
    },
    close: () => inner.close(),
  };
}
