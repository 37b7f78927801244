/**
 * The human operator's two requests, the same rules for every transport (HTTP's
 * `POST /operator/*`, the broker's `<mesh>.<role>.operator.*`), answered only when signed with
 * the operator key for this very node (`core/operator_signature.ts`):
 *
 * - `verdict` `{"request_id": "abcde", "behavior": "allow" | "deny"}`: answers a pending
 *   permission prompt. 200 `{"ok":true}`; 409 when the id is not pending (unknown, expired or
 *   already answered).
 * - `message` `{"text": "…"}`: a message from the human operator to the session, marked
 *   `from="operator"` and `operator="true"`. 200 `{"ok":true,"message_id":…}`.
 *
 * Anything not signed by the operator key for this node (the mesh secret, a peer's Standard
 * Webhooks signature, no signature, a request signed for another node, a replayed id, a stale
 * time) is refused with 403; a node without an operator key refuses every request with 403.
 * {@linkcode OperatorReceiver.check} needs the headers only, so a transport refuses before it
 * reads a body.
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
import type { SessionDelivery } from "./channel.ts";
import type { Behavior, VerdictOutcome } from "./permissions.ts";
import type { Answer } from "./receive.ts";

/** The two operator actions, the last segment of their path or subject. */
export const OPERATOR_ACTIONS: readonly string[] = ["verdict", "message"];

/** What the operator's requests need from the node. */
export interface OperatorOptions {
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

/** One operator request as a transport received it. */
export interface OperatorInbound {
  /** `verdict` or `message`. */
  action: string;
  /** The three operator headers (others are ignored). */
  headers: Headers;
  /** The body, as sent. */
  body: Uint8Array;
}

/** The node's side of the operator's requests. */
export interface OperatorReceiver {
  /** The refusal of a request whose headers cannot be the operator's, before any body. */
  check(headers: Headers): Answer | undefined;
  /** Verifies the whole request (signature, target, replay) and carries it out. */
  receive(inbound: OperatorInbound): Promise<Answer>;
}

const fail = (status: number, error: string): Answer => ({ status, body: { ok: false, error } });

/**
 * Makes the operator's receiver. The signed path is `/operator/<action>` on every transport,
 * so a request signed for one cannot be replayed on the other as something else.
 */
export function operatorReceiver(options: OperatorOptions): OperatorReceiver {
  const now = options.now ?? (() => new Date());
  const role = options.target.role;
  const check = (headers: Headers): Answer | undefined => {
    if (!options.publicKey) {
      return fail(403, `"${role}" has no INTERCOM_OPERATOR_KEY: it takes no operator requests`);
    }
    const early = checkOperatorHeaders(headers, now().getTime() / 1000);
    return early.ok ? undefined : fail(403, `Not signed by the operator key (${early.reason})`);
  };
  return {
    check,
    async receive({ action, headers, body }) {
      const refused = check(headers);
      if (refused) return refused;
      if (!OPERATOR_ACTIONS.includes(action)) {
        return fail(404, `Unknown operator request "${action}": use verdict or message`);
      }
      const checked = verifyOperatorRequest(options.publicKey!, {
        method: "POST",
        path: `/operator/${action}`,
        body,
        headers,
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
      return action === "verdict" ? await verdict(fields, checked.id) : await message(fields);
    },
  };

  async function verdict(fields: Record<string, unknown>, id: string): Promise<Answer> {
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
    return { status: 200, body: { ok: true, request_id: rid.toLowerCase(), behavior } };
  }

  async function message(fields: Record<string, unknown>): Promise<Answer> {
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
    const held = handed === "held";
    return { status: 200, body: { ok: true, message_id: envelope.message_id, held } };
  }
}
