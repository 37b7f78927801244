/**
 * What the page's buttons do: the operator's actions, injected into the web server. The viewer
 * process holds the operator key and signs; the browser only asks. Without an operator key the
 * server gets no actions and the page shows prompts read-only and the composer disabled.
 *
 * The two `POST` endpoints read JSON bodies: `/api/verdict` {node, request_id, behavior:
 * "allow"|"deny"} and `/api/message` {to: a desk key or "all", text}; both answer {ok, error?}.
 *
 * @module
 */

/** The answer of an operator action: `ok`, or `error` as one sentence for the page. */
export interface ActionResult {
  /** Whether the node accepted it. */
  ok: boolean;
  /** Why not, one sentence. */
  error?: string;
}

/**
 * Signed operator actions (the operator key never leaves the viewer process). Implemented with
 * the functions of `viewer/operator.ts` when an operator key is configured.
 */
export interface OperatorActions {
  /** Sends a signed verdict for the pending request `requestId` of the watched node `node`. */
  verdict(node: string, requestId: string, behavior: "allow" | "deny"): Promise<ActionResult>;
  /** Sends a signed operator message to the watched node `to`, or to every one with `"all"`. */
  message(to: string, text: string): Promise<ActionResult>;
}

/** Longest operator message the page may send, in characters. */
export const MAX_OPERATOR_TEXT = 16_000;

/** A parsed `/api/verdict` body, or a one-sentence error. */
export function parseVerdict(
  body: unknown,
  nodes: readonly string[],
): { node: string; requestId: string; behavior: "allow" | "deny" } | string {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.node !== "string" || !nodes.includes(b.node)) {
    return "node must be one of the watched nodes";
  }
  if (typeof b.request_id !== "string" || !/^[a-z]{5}$/i.test(b.request_id)) {
    return "request_id must be the five letters of a pending prompt";
  }
  if (b.behavior !== "allow" && b.behavior !== "deny") return 'behavior must be "allow" or "deny"';
  return { node: b.node, requestId: b.request_id.toLowerCase(), behavior: b.behavior };
}

/** A parsed `/api/message` body, or a one-sentence error. */
export function parseMessage(
  body: unknown,
  nodes: readonly string[],
): { to: string; text: string } | string {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.to !== "string" || (b.to !== "all" && !nodes.includes(b.to))) {
    return 'to must be a watched node or "all"';
  }
  if (typeof b.text !== "string" || b.text.trim() === "") return "text must not be empty";
  if (b.text.length > MAX_OPERATOR_TEXT) {
    return `text is longer than ${MAX_OPERATOR_TEXT} characters`;
  }
  return { to: b.to, text: b.text };
}
