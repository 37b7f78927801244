/**
 * Outbound HTTP to peers: delivering one envelope (`POST /message`) and probing `/health`.
 * Each call returns an outcome value; nothing here throws for a peer that is down.
 *
 * @module
 */

import { SECRET_HEADER } from "./auth.ts";
import type { Peer } from "../node/transport.ts";
import {
  type DeliveryOutcome,
  deliveryOutcome,
  parseRetryAfter,
  type PeerReply,
  type ProbeOutcome,
  probeOutcome,
} from "../core/outcome.ts";
import type { Envelope } from "../core/envelope.ts";
import { requestLine, signHeaders } from "../core/signature.ts";
import type { Receipt } from "../node/receipts.ts";
import { type NodeKeys, signNode } from "../core/node_key.ts";
import { meshSealer } from "../core/seal.ts";

/** Options shared by outbound calls. */
export interface ClientOptions {
  secret: string;
  /** Per-request timeout, in milliseconds. */
  timeoutMs: number;
  /**
   * Standard Webhooks key: when given, requests are signed and the secret is not sent;
   * otherwise the `X-Intercom-Secret` header carries it (v2 peers).
   */
  signingKey?: Uint8Array;
  /** This node's keys: a signed request is also signed with its node key. */
  nodeKeys?: NodeKeys;
  /** fetch, injected for tests and for a private CA. */
  fetch?: typeof fetch;
}

/** The Standard Webhooks headers, and the node key's when there is one. */
function signed(
  key: Uint8Array,
  nodeKeys: NodeKeys | undefined,
  input: { id: string; body: string },
): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = signHeaders(key, { ...input, timestamp });
  return nodeKeys ? { ...headers, ...signNode(nodeKeys, { ...input, timestamp }) } : headers;
}

const NOT_HTTPS = "the peer does not speak HTTPS";

/** Turns a fetch failure into a short cause: "connection refused", "host not found", … */
export function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as { message?: string; code?: string; cause?: unknown } | undefined; e;) {
    if (e.code) parts.push(e.code);
    if (e.message) parts.push(e.message);
    e = e.cause as typeof e;
  }
  const text = parts.join(" ");
  const known: [RegExp, string][] = [
    [/ECONNREFUSED|Connection refused/i, "connection refused"],
    [/ENOTFOUND|EAI_AGAIN|dns error|failed to lookup|Name or service not known/i, "host not found"],
    [/ECONNRESET|connection reset/i, "connection reset"],
    [/EHOSTUNREACH|ENETUNREACH|unreachable/i, "network unreachable"],
    [/certificate|CERT_|self[- ]signed|UNABLE_TO_VERIFY/i, "TLS certificate not trusted"],
    [/WRONG_VERSION_NUMBER|wrong version number|InvalidContentType/i, NOT_HTTPS],
    [
      /connection closed before message completed|other side closed|socket hang up/i,
      "the connection closed before the peer answered",
    ],
  ];
  for (const [pattern, label] of known) if (pattern.test(text)) return label;
  return (parts.at(-1) ?? String(error)).slice(0, 200);
}

/** Reads a response into a {@linkcode PeerReply} (the body cut at 64 KiB of text). */
async function readReply(response: Response): Promise<PeerReply> {
  const text = (await response.text().catch(() => "")).slice(0, 65_536);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch { /* not JSON: the text says what answered */ }
  return {
    status: response.status,
    body,
    text: body === undefined ? text.slice(0, 300) : undefined,
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
    location: response.headers.get("location") ?? undefined,
  };
}

/**
 * POSTs an envelope (or `wire`, its body as sent: sealed) to a peer's `/message` as JSON, signed (Standard Webhooks) or with the
 * `X-Intercom-Secret` header (v2 peers). Redirects are not followed.
 *
 * Outcomes: as {@linkcode deliveryOutcome} for any answer (a duplicate the peer already has
 * counts as delivered); `unreachable` when no connection could be made; `timeout`.
 */
export async function deliver(
  peer: Peer,
  envelope: Envelope,
  options: ClientOptions,
  wire: Record<string, unknown> = envelope as unknown as Record<string, unknown>,
): Promise<DeliveryOutcome> {
  const started = performance.now();
  const doFetch = options.fetch ?? fetch;
  // A REMOTE_HOST peer's role is unknown: without `to`, its node takes the message as its own.
  const body = JSON.stringify(peer.anyRole ? { ...wire, to: undefined } : wire);
  const headers: Record<string, string> = options.signingKey
    ? signed(options.signingKey, options.nodeKeys, { id: envelope.message_id, body })
    : { [SECRET_HEADER]: options.secret };
  headers["content-type"] = "application/json";
  try {
    const response = await doFetch(`${peer.url}/message`, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const reply = await readReply(response);
    return deliveryOutcome(reply, envelope.message_id, performance.now() - started);
  } catch (e) {
    if ((e as Error)?.name === "TimeoutError") {
      const reason = `no answer within ${options.timeoutMs} ms`;
      return { ok: false, kind: "timeout", reason, retryable: true };
    }
    const reason = describeNetworkError(e);
    // Retrying cannot make an untrusted certificate trusted: that needs configuration.
    if (reason === "TLS certificate not trusted") {
      const fix = `${reason}: set INTERCOM_CA to the CA that signed ${peer.url}'s certificate`;
      return { ok: false, kind: "refused", reason: fix, retryable: false };
    }
    // Nor can it make a plain-HTTP node answer HTTPS.
    if (reason === NOT_HTTPS) {
      const fix = `${reason} at ${peer.url} (a plain-HTTP node?): write its address with ` +
        "http:// in PEERS, or give that node INTERCOM_TLS_CERT and INTERCOM_TLS_KEY";
      return { ok: false, kind: "refused", reason: fix, retryable: false };
    }
    return { ok: false, kind: "unreachable", reason, retryable: true };
  }
}

/** GETs a peer's `/health` and says whether it is online and answers with the expected role. */
export async function probe(
  peer: Peer,
  options: Omit<ClientOptions, "secret">,
): Promise<ProbeOutcome> {
  const started = performance.now();
  const doFetch = options.fetch ?? fetch;
  // Signed, so the peer can tell whether our secrets match (without anyone sending it). The
  // signature covers "GET /health" and opens nothing else.
  const headers = options.signingKey
    ? signHeaders(options.signingKey, {
      id: `probe_${crypto.randomUUID()}`,
      timestamp: Math.floor(Date.now() / 1000),
      body: requestLine("GET", "/health"),
    })
    : undefined;
  try {
    const response = await doFetch(`${peer.url}/health`, {
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const latencyMs = performance.now() - started;
    const role = peer.anyRole ? undefined : peer.name;
    const reply = await readReply(response);
    if (options.signingKey) openSession(reply, options.signingKey);
    return probeOutcome(reply, role, latencyMs);
  } catch (e) {
    if ((e as Error)?.name === "TimeoutError") {
      return { state: "offline", reason: `no answer within ${options.timeoutMs} ms` };
    }
    return { state: "offline", reason: describeNetworkError(e) };
  }
}

/** Opens the `session_sealed` of a `/health` answer (sealed with the mesh secret) in place. */
function openSession(reply: PeerReply, key: Uint8Array): void {
  const body = reply.body as Record<string, unknown> | undefined;
  if (typeof body?.session_sealed !== "string") return;
  try {
    body.session = meshSealer(key, "session").open(body.session_sealed);
  } catch { /* another secret: no session line, and the probe says the secrets differ */ }
  delete body.session_sealed;
}

/**
 * POSTs a read receipt to a peer's `/receipt`, signed (Standard Webhooks). Best effort: never
 * throws; resolves to whether the peer took it.
 */
export async function sendReceipt(
  peer: Peer,
  receipt: Receipt,
  options: Omit<ClientOptions, "secret"> & { signingKey: Uint8Array },
): Promise<boolean> {
  const body = JSON.stringify(receipt);
  const headers = signed(options.signingKey, options.nodeKeys, {
    id: `receipt_${crypto.randomUUID()}`,
    body,
  });
  try {
    const response = await (options.fetch ?? fetch)(`${peer.url}/receipt`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false; // a receipt is a courtesy: a peer that is away simply misses it
  }
}
