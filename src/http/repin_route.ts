/**
 * `POST /pin` `{"role","fingerprint"?}`: the node's owner re-pins a role while the node runs. The
 * request carries `webhook-id`, `webhook-timestamp` (±300 s) and the node headers, signed with
 * this node's own key (`core/node_key.ts`): only whoever holds its state directory can make it.
 * A configured pin (`PEERS` … `#SHA256:…`) is not changed here.
 *
 * @module
 */

import { isFingerprint, nodeClaimOf, type NodeKeys, verifyNode } from "../core/node_key.ts";
import { roleProblem } from "../core/names.ts";
import { WEBHOOK_ID } from "../core/signature.ts";
import type { SeenIds } from "../core/replay.ts";
import type { PinStore } from "../node/pins.ts";
import { repin } from "../node/repin.ts";
import type { HttpRequest } from "./request.ts";
import { jsonResponse } from "./response.ts";

/** What the route needs. */
export interface RepinRouteOptions {
  /** This node's role and keys. */
  role: string;
  keys: NodeKeys;
  /** The pins made on first contact. */
  pins: PinStore;
  /** Pins given in configuration, which win. */
  configured?: ReadonlyMap<string, string>;
  /** Ids already used (replays). */
  seen: SeenIds;
  /** Where the change is logged. */
  log: (line: string) => void;
  /** Clock. */
  now?: () => number;
}

const answer = (status: number, body: Record<string, unknown>) =>
  jsonResponse(status, JSON.stringify(body), { "content-type": "application/json" });

/** Makes the `POST /pin` handler; `read` reads the body (or answers why not). */
export function repinRoute(
  o: RepinRouteOptions,
): (request: HttpRequest, read: () => Promise<Uint8Array | Response>) => Promise<Response> {
  return async (request, read) => {
    const get = (n: string) => request.headers.get(n);
    const claim = nodeClaimOf(get);
    const id = get(WEBHOOK_ID);
    const nowMs = (o.now ?? Date.now)();
    if (!claim || !id || claim.key !== o.keys.publicKey) {
      return answer(401, { ok: false, error: "A pin request must be signed with this node's key" });
    }
    if (Math.abs(Number(claim.timestamp) * 1000 - nowMs) > 300_000) {
      return answer(401, { ok: false, error: "The pin request is too old: check the clock" });
    }
    const bytes = await read();
    if (bytes instanceof Response) return bytes;
    if (!verifyNode(claim, id, bytes).ok || !o.seen.checkAndAdd(`pin:${id}`, nowMs)) {
      return answer(401, { ok: false, error: "The pin request's signature does not verify" });
    }
    let body: { role?: unknown; fingerprint?: unknown };
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return answer(400, { ok: false, error: 'Body must be {"role","fingerprint"?}' });
    }
    const { role, fingerprint } = body ?? {};
    if (typeof role !== "string" || roleProblem(role)) {
      return answer(400, { ok: false, error: '"role" must be a role name' });
    }
    if (
      fingerprint !== undefined && (typeof fingerprint !== "string" || !isFingerprint(fingerprint))
    ) {
      return answer(400, { ok: false, error: '"fingerprint" must be SHA256: and 43 characters' });
    }
    const configured = o.configured?.get(role);
    if (configured) {
      return answer(409, {
        ok: false,
        error: `"${role}" is pinned in PEERS (#${configured}): change PEERS and restart instead`,
      });
    }
    const line = repin(o.pins, o.role, role, fingerprint, nowMs);
    o.log(line);
    return answer(200, { ok: true, said: line });
  };
}
