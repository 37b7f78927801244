/**
 * The operator's two endpoints, answered only for requests signed with the operator key
 * (`core/operator_signature.ts`):
 *
 * - `POST /operator/verdict` `{"request_id": "abcde", "behavior": "allow" | "deny"}`: answers a
 *   pending permission prompt. 200 `{"ok":true}`; 409 when the id is not pending (unknown,
 *   expired or already answered).
 * - `POST /operator/message` `{"text": "…"}`: a message from the human operator to the session,
 *   marked `from="operator"` and `operator="true"`. 200 `{"ok":true,"message_id":…}`.
 *
 * Anything not signed by the operator key for this very node (the mesh secret, a peer's
 * Standard Webhooks signature, no signature, a request signed for another node, a replayed id, a
 * stale time) is refused with 403; a node without `INTERCOM_OPERATOR_KEY` refuses every operator
 * request with 403. The headers are checked before any body is read, and the body is read like
 * an unverified `POST /message` body: the same size and time limits, the same bound on reads at
 * once.
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import {
  checkOperatorHeaders,
  type OperatorTarget,
  verifyOperatorRequest,
} from "../core/operator_signature.ts";
import { byteLength, type Envelope, newMessageId } from "../core/envelope.ts";
import { OPERATOR_ROLE } from "../core/names.ts";
import type { OnceIds } from "../core/replay.ts";
import type { SessionDelivery } from "../node/channel.ts";
import type { Behavior, VerdictOutcome } from "../node/permissions.ts";
import type { HttpRequest } from "./request.ts";

/** The paths served here. */
export const OPERATOR_PATHS: readonly string[] = ["/operator/verdict", "/operator/message"];

/** What the operator endpoints need from the node. */
export interface OperatorRouteOptions {
  /** This node: its role (the `to` of operator messages) and mesh, what a signature must name. */
  target: OperatorTarget;
  /** The operator's public key; undefined: the node has none and refuses everything. */
  publicKey?: KeyObject;
  /** Operator ids already used (replays), kept across restarts by the caller. */
  used: OnceIds;
  /** Limit on an operator message's UTF-8 text, in bytes. */
  maxMessageBytes: number;
  /** Answers a pending prompt. */
  verdict: (requestId: string, behavior: Behavior, by: string) => Promise<VerdictOutcome>;
  /** Hands an operator message to the session and publishes it. */
  deliver: (envelope: Envelope) => Promise<SessionDelivery>;
  /** Clock. */
  now?: () => Date;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
const fail = (status: number, error: string) => json(status, { ok: false, error });

/**
 * Reads the body of a request whose signature is not yet known: the handler's one reader of
 * unverified bodies (size and time limits, and a bound on reads at once), or the refusal.
 */
export type ReadUnverified = () => Promise<Uint8Array | Response>;

/** Makes the handler of `POST /operator/verdict` and `POST /operator/message`. */
export function operatorRoutes(
  options: OperatorRouteOptions,
): (request: HttpRequest, path: string, read: ReadUnverified) => Promise<Response> {
  const now = options.now ?? (() => new Date());
  const role = options.target.role;
  // Refusals before the body is read end the connection, so an upload cannot hold it open.
  const refuse = (status: number, error: string) =>
    new Response(JSON.stringify({ ok: false, error }), {
      status,
      headers: { "content-type": "application/json; charset=utf-8", connection: "close" },
    });
  return async (request, path, read) => {
    if (!options.publicKey) {
      return refuse(403, `"${role}" has no INTERCOM_OPERATOR_KEY: it takes no operator requests`);
    }
    // The headers first: nothing is read for a request that cannot be the operator's.
    const early = checkOperatorHeaders(request.headers, now().getTime() / 1000);
    if (!early.ok) return refuse(403, `Not signed by the operator key (${early.reason})`);
    const body = await read();
    if (body instanceof Response) return body;
    const checked = verifyOperatorRequest(options.publicKey, {
      method: request.method,
      path,
      body,
      headers: request.headers,
      target: options.target,
    }, now().getTime() / 1000);
    if (!checked.ok) {
      // The mesh secret and peers' signatures are not enough here, by design.
      return fail(403, `Not signed by the operator key (${checked.reason})`);
    }
    if (!options.used.checkAndAdd(`operator-id:${checked.id}`, now().getTime())) {
      return fail(403, `Operator request ${checked.id} was already used: a replay is refused`);
    }
    let fields: Record<string, unknown>;
    try {
      const parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw 0;
      fields = parsed;
    } catch {
      return fail(400, "Body must be a JSON object");
    }
    return path === "/operator/verdict" ? await verdict(fields, checked.id) : await message(fields);
  };

  async function verdict(fields: Record<string, unknown>, id: string): Promise<Response> {
    const { request_id: rid, behavior } = fields;
    if (typeof rid !== "string" || !/^[A-Za-z]{1,64}$/.test(rid)) {
      return fail(400, '"request_id" must be the prompt\'s id, five letters like "abcde"');
    }
    if (behavior !== "allow" && behavior !== "deny") {
      return fail(400, '"behavior" must be "allow" or "deny"');
    }
    const outcome = await options.verdict(rid, behavior, `operator (${id})`);
    if (outcome === "not_pending") {
      return fail(
        409,
        `Permission prompt "${rid.toLowerCase()}" is no longer pending on "${role}" ` +
          "(answered, expired or unknown)",
      );
    }
    return json(200, { ok: true, request_id: rid.toLowerCase(), behavior });
  }

  async function message(fields: Record<string, unknown>): Promise<Response> {
    const text = fields.text;
    if (typeof text !== "string" || text.trim() === "") {
      return fail(400, '"text" must be a non-empty string');
    }
    if (byteLength(text) > options.maxMessageBytes) {
      return fail(413, `The text is over the limit of ${options.maxMessageBytes} bytes`);
    }
    const envelope: Envelope = {
      message_id: newMessageId(),
      from: OPERATOR_ROLE,
      to: role,
      message: text,
      sent_at: now().toISOString(),
    };
    const handed = await options.deliver(envelope);
    if (handed !== "delivered" && handed !== "held") {
      return fail(503, `"${role}"'s Claude session cannot take it now (${handed})`);
    }
    return json(200, { ok: true, message_id: envelope.message_id, held: handed === "held" });
  }
}
