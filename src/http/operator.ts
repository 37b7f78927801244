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
 * Anything not signed by the operator key (the mesh secret, a peer's Standard Webhooks
 * signature, no signature, a replayed id, a stale time) is refused with 403; a node without
 * `INTERCOM_OPERATOR_KEY` refuses every operator request with 403.
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import { verifyOperatorRequest } from "../core/operator_signature.ts";
import { byteLength, type Envelope, newMessageId } from "../core/envelope.ts";
import { OPERATOR_ROLE } from "../core/names.ts";
import type { SeenIds } from "../core/replay.ts";
import type { SessionDelivery } from "../node/channel.ts";
import type { Behavior, VerdictOutcome } from "../node/permissions.ts";
import { readLimited } from "./body.ts";
import type { HttpRequest } from "./request.ts";

/** The paths served here. */
export const OPERATOR_PATHS: readonly string[] = ["/operator/verdict", "/operator/message"];

/** What the operator endpoints need from the node. */
export interface OperatorRouteOptions {
  /** This node's role (the `to` of operator messages). */
  role: string;
  /** The operator's public key; undefined: the node has none and refuses everything. */
  publicKey?: KeyObject;
  /** Operator ids already used (replays). */
  seen: SeenIds;
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

/** Makes the handler of `POST /operator/verdict` and `POST /operator/message`. */
export function operatorRoutes(
  options: OperatorRouteOptions,
): (request: HttpRequest, path: string) => Promise<Response> {
  const now = options.now ?? (() => new Date());
  return async (request, path) => {
    if (!options.publicKey) {
      return fail(
        403,
        `"${options.role}" has no INTERCOM_OPERATOR_KEY: it takes no operator requests`,
      );
    }
    let body: Uint8Array;
    try {
      body = await readLimited(request.body, options.maxMessageBytes * 6 + 4096, 10_000);
    } catch {
      return fail(413, "The operator request body is too large or too slow");
    }
    const checked = verifyOperatorRequest(options.publicKey, {
      method: request.method,
      path,
      body,
      headers: request.headers,
    }, now().getTime() / 1000);
    if (!checked.ok) {
      // The mesh secret and peers' signatures are not enough here, by design.
      return fail(403, `Not signed by the operator key (${checked.reason})`);
    }
    if (!options.seen.checkAndAdd(`operator-id:${checked.id}`, now().getTime())) {
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
        `Permission prompt "${rid.toLowerCase()}" is no longer pending on "${options.role}" ` +
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
      to: options.role,
      message: text,
      sent_at: now().toISOString(),
    };
    const handed = await options.deliver(envelope);
    if (handed !== "delivered" && handed !== "held") {
      return fail(503, `"${options.role}"'s Claude session cannot take it now (${handed})`);
    }
    return json(200, { ok: true, message_id: envelope.message_id, held: handed === "held" });
  }
}
