/**
 * The SSE source: follows one node's `GET /events` with `fetch` and a spec-following parser
 * (`eventsource-parser`), since Node 20 has no `EventSource` and that one cannot send the
 * signature headers.
 * Reconnects every 3 s while the node is down, resuming with `Last-Event-ID`.
 *
 * @module
 */

import { describeNetworkError } from "../../src/http/client.ts";
import { requestLine, signatureKey, signHeaders } from "../../src/core/signature.ts";
import { createParser } from "eventsource-parser";
import type { Envelope } from "../../src/core/envelope.ts";
import type { ViewerEvent } from "../model/state.ts";
import { REPORT_OUTCOMES, SEND_STATUSES } from "../model/delivery.ts";

/** Options for {@linkcode followNode}. */
export interface SourceOptions {
  /**
   * The mesh secret: each request is signed with it (Standard Webhooks over `GET /events`), so it
   * never crosses the wire.
   */
  secret: string;
  /** Receives hello, message, reset and connection events, in order. */
  onEvent: (event: ViewerEvent) => void;
  /** Stops following; the returned promise then resolves. */
  signal: AbortSignal;
  /** Wait between attempts while the node is down, ms; 3000 by default. */
  retryMs?: number;
  /** Reconnect when nothing (not even a keep-alive) came for this long, ms; 45000 by default. */
  idleMs?: number;
  /** The `fetch` to use (tests); the global one by default. */
  fetch?: typeof fetch;
}

const STRING_FIELDS = ["message_id", "from", "to", "message", "sent_at"] as const;

/**
 * The viewer event for one SSE message from node `node`, or `undefined` for an unknown event
 * or data of the wrong shape (a node's data is trusted no more than any input).
 */
export function toViewerEvent(
  node: string,
  sse: { event?: string; data: string },
): ViewerEvent | undefined {
  let data: unknown;
  try {
    data = JSON.parse(sse.data);
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) return undefined;
  const d = data as Record<string, unknown>;
  switch (sse.event) {
    case "hello": {
      if (typeof d.role !== "string") return undefined;
      const peers = Array.isArray(d.peers) ? d.peers.filter((p) => typeof p === "string") : [];
      const version = typeof d.version === "string" ? d.version : undefined;
      const status = typeof d.status === "string" ? d.status : undefined;
      // Prompts pending when the stream opened (a node with an operator key lists them).
      const prompts = Array.isArray(d.permission_requests)
        ? d.permission_requests.flatMap((p) => {
          const e = p !== null && typeof p === "object"
            ? laterEvent(node, "permission_request", p as Record<string, unknown>)
            : undefined;
          return e?.type === "permission_request" ? [e] : [];
        })
        : undefined;
      return {
        type: "hello",
        node,
        role: d.role,
        peers,
        version,
        ...(status ? { status } : {}),
        ...(prompts ? { prompts } : {}),
      };
    }
    case "send":
    case "recv": {
      const envelope = envelopeOf(d);
      return envelope && { type: "message", node, kind: sse.event, envelope };
    }
    case "status":
      return typeof d.text === "string" ? { type: "status", node, text: d.text } : undefined;
    case "outcome":
    case "delivery_report":
    case "permission_request":
    case "permission_verdict":
    case "permission_expired":
      return laterEvent(node, sse.event, d);
  }
  return undefined;
}

function envelopeOf(d: unknown): Envelope | undefined {
  if (d === null || typeof d !== "object") return undefined;
  const r = d as Record<string, unknown>;
  if (!STRING_FIELDS.every((k) => typeof r[k] === "string")) return undefined;
  const envelope: Envelope = {
    message_id: r.message_id as string,
    from: r.from as string,
    to: r.to as string,
    message: r.message as string,
    sent_at: r.sent_at as string,
  };
  if (typeof r.reply_to === "string") envelope.reply_to = r.reply_to;
  return envelope;
}

const text = (v: unknown) => typeof v === "string" ? v : undefined;

// Outcomes, delivery reports and permission prompts (events added after hello/send/recv).
function laterEvent(
  node: string,
  event: string,
  d: Record<string, unknown>,
): ViewerEvent | undefined {
  const reason = text(d.reason) ? { reason: text(d.reason) } : {};
  switch (event) {
    case "outcome": {
      const envelope = envelopeOf(d.envelope);
      const status = SEND_STATUSES.find((s) => s === d.status);
      if (!envelope || !status || typeof d.peer !== "string") return undefined;
      return { type: "outcome", node, envelope, peer: d.peer, status, ...reason };
    }
    case "delivery_report": {
      const outcome = REPORT_OUTCOMES.find((s) => s === d.outcome);
      if (!outcome || typeof d.message_id !== "string" || typeof d.peer !== "string") return;
      return {
        type: "delivery_report",
        node,
        messageId: d.message_id,
        peer: d.peer,
        outcome,
        ...reason,
      };
    }
    case "permission_request": {
      if (typeof d.request_id !== "string" || typeof d.tool_name !== "string") return undefined;
      const at = typeof d.at === "number" ? d.at : Date.parse(text(d.at) ?? "");
      return {
        type: "permission_request",
        node,
        requestId: d.request_id,
        toolName: d.tool_name,
        description: text(d.description) ?? "",
        inputPreview: text(d.input_preview) ?? "",
        role: text(d.role) ?? node,
        at: Number.isFinite(at) ? at : Date.now(),
      };
    }
    case "permission_verdict": {
      const behavior = d.behavior === "allow" || d.behavior === "deny" ? d.behavior : undefined;
      if (!behavior || typeof d.request_id !== "string") return undefined;
      return { type: "permission_verdict", node, requestId: d.request_id, behavior };
    }
    case "permission_expired":
      // Timed out, or answered at the session's terminal (it called a tool again).
      if (typeof d.request_id !== "string") return undefined;
      return { type: "permission_expired", node, requestId: d.request_id };
  }
  return undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

async function errorText(response: Response): Promise<string> {
  try {
    const body = await response.json() as { error?: unknown };
    if (typeof body.error === "string") return body.error.slice(0, 200);
  } catch { /* not JSON: use the status */ }
  return `HTTP ${response.status}`;
}

/**
 * Follows the `/events` stream of the node at `url` (a base URL from `parsePeerAddress`)
 * until `options.signal` aborts. Reports `connecting` before each attempt, `online` with the
 * hello, `auth-failed` on 401/403 and `offline` with the reason otherwise; never throws.
 *
 * `url` may be a function, asked before every attempt: a node of this machine gets a new port
 * on each restart, and the local registry knows it. While it answers `undefined` the node is
 * reported `not-started` and asked again after the retry wait.
 *
 * The first request sends `Last-Event-ID: 0`, which makes the node replay the history it still
 * has (or answer `reset` when that no longer starts at 1); later ones send the last id seen.
 *
 * @param node the name events are reported under.
 * @example
 * ```ts
 * const stop = new AbortController();
 * followNode("backend", "http://10.0.0.6:8788", {
 *   secret: "a-long-random-secret-shared-by-all",
 *   signal: stop.signal,
 *   onEvent: (event) => console.error(event),
 * });
 * ```
 */
export async function followNode(
  node: string,
  url: string | (() => string | undefined),
  options: SourceOptions,
): Promise<void> {
  const { signal, onEvent } = options;
  const doFetch = options.fetch ?? fetch;
  let lastEventId = "0";
  let previous: string | undefined;
  while (!signal.aborted) {
    const base = typeof url === "string" ? url : url();
    if (base === undefined) {
      onEvent({
        type: "connection",
        node,
        status: "not-started",
        error: `no node "${node}" runs on this machine yet`,
      });
      await sleep(options.retryMs ?? 3000, signal);
      continue;
    }
    // Another process now (a restart): its history is its own, ask for all of it.
    if (previous !== undefined && base !== previous) lastEventId = "0";
    previous = base;
    onEvent({ type: "connection", node, status: "connecting" });
    const attempt = new AbortController();
    const abort = () => attempt.abort();
    signal.addEventListener("abort", abort, { once: true });
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(abort, options.idleMs ?? 45_000);
    };
    let reason: { status: "offline" | "auth-failed"; error: string };
    try {
      alive();
      // From the request to the node's hello: the round trip a person sees as latency.
      const started = performance.now();
      let greeted = false;
      const response = await doFetch(`${base}/events`, {
        // Signed over "GET /events" (see requestLine), so the secret never crosses the wire
        // and the signature opens this endpoint only; a fresh id each attempt.
        headers: {
          ...signHeaders(signatureKey(options.secret), {
            id: `viewer_${crypto.randomUUID()}`,
            timestamp: Math.floor(Date.now() / 1000),
            body: requestLine("GET", "/events"),
          }),
          "Accept": "text/event-stream",
          "Last-Event-ID": lastEventId,
        },
        signal: attempt.signal,
      });
      if (response.status === 401 || response.status === 403) {
        reason = { status: "auth-failed", error: `auth failed: ${await errorText(response)}` };
      } else if (!response.ok || !response.body) {
        const text = await errorText(response);
        // A 404 means the address answers, but not as a node (v2 nodes have no /events).
        reason = {
          status: "offline",
          error: response.status === 404 ? `${text}: is this a talkie-walkie 2.1 node?` : text,
        };
      } else {
        const parser = createParser({
          onEvent: (sse) => {
            if (sse.id !== undefined) lastEventId = sse.id;
            // The node no longer has what we missed: start over from its live events.
            if (sse.event === "reset") lastEventId = "";
            const event = toViewerEvent(node, sse);
            if (event?.type === "hello" && !greeted) {
              greeted = true;
              event.latencyMs = Math.max(1, Math.round(performance.now() - started));
            }
            if (event) onEvent(event);
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          alive();
          parser.feed(r.value);
        }
        reason = { status: "offline", error: "stream ended (node stopped?), reconnecting" };
      }
    } catch (e) {
      reason = { status: "offline", error: `${describeNetworkError(e)}, retrying every 3 s` };
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener("abort", abort);
    }
    if (signal.aborted) break;
    onEvent({ type: "connection", node, ...reason });
    await sleep(options.retryMs ?? 3000, signal);
  }
}
