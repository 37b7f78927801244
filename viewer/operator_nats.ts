/**
 * The operator's requests over the broker (`viewer --nats --operator-key …`): the same signed
 * `POST /operator/verdict` and `/operator/message` as over HTTP (`operator.ts` signs them), sent
 * as a NATS request on `<mesh>.<role>.operator.<action>` with the three operator headers. The
 * node applies the same operator rules as to its HTTP endpoint (`node/operator.ts`), so the
 * signature, its target, time and replay rules are the same; a broker-mode mesh needs no HTTP reachability for its operator.
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { describeRequestError } from "../src/nats/connect.ts";
import { meshNames } from "../src/nats/subjects.ts";
import { decodeReply } from "../src/nats/wire.ts";
import { type OperatorSend, signedOperatorRequest } from "./operator.ts";

/** Options for {@linkcode natsOperatorSend}. */
export interface NatsOperatorOptions {
  /** Clock, ms. */
  now?: () => number;
  /** Gives up after this long, ms (default 10 000). */
  timeoutMs?: number;
}

/**
 * Operator requests to the nodes of mesh `mesh` on the connection `nc`, signed with `key`.
 *
 * @example
 * ```ts
 * import { connectViewer, viewerNatsConfig } from "./sources/nats.ts";
 * import { loadOperatorKey } from "./operator.ts";
 * const nc = await connectViewer(viewerNatsConfig("nats://127.0.0.1:4222", {}, () => ""));
 * const send = natsOperatorSend(loadOperatorKey("operator.key"), nc, "talkie");
 * await send("backend", "verdict", { request_id: "abcde", behavior: "allow" });
 * ```
 */
export function natsOperatorSend(
  key: KeyObject,
  nc: NatsConnection,
  mesh: string,
  options: NatsOperatorOptions = {},
): OperatorSend {
  const names = meshNames(mesh);
  return async (node, action, body) => {
    const signed = signedOperatorRequest(key, {
      // Signed for this node of this mesh only.
      target: { role: node, mesh },
      action,
      body,
      nowMs: (options.now ?? Date.now)(),
    });
    const h = natsHeaders();
    for (const [k, v] of Object.entries(signed.headers)) h.set(k, v);
    const subject = names.operator(node, action);
    const timeoutMs = options.timeoutMs ?? 10_000;
    try {
      const reply = decodeReply(
        (await nc.request(subject, signed.text, { timeout: timeoutMs, headers: h })).data,
      );
      if (reply.status >= 200 && reply.status < 300) return { ok: true };
      const said = (reply.body as { error?: unknown } | undefined)?.error;
      const error = typeof said === "string" ? said.slice(0, 300) : reply.text ||
        `status ${reply.status}`;
      return { ok: false, status: reply.status, error };
    } catch (e) {
      const failure = describeRequestError(e, { peer: node, mesh, subject, timeoutMs });
      return { ok: false, status: 0, error: failure.reason };
    }
  };
}
