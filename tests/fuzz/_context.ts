/**
 * What every fuzz generator needs from the running node: its secret and signing key, requests
 * that count themselves, unique ids, valid envelopes to break, and delivery cases that remember
 * how to replay themselves.
 *
 * Methods are arrow properties so generators can destructure them.
 *
 * @module
 */

import { signatureKey } from "../../src/core/signature.ts";
import { type Answer, type Case, FORGERIES, GOOD_FROM, ROLE, viaUtf8 } from "./_case.ts";
import { rawRequest } from "./_raw.ts";
import type { NodeProcess } from "../support/harness.ts";
import type { Prng } from "../support/prng.ts";

/** A fetch `Headers` as a plain object with lower-case names. */
export function headersOf(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}

/** The fuzzed node and the state the generators share (request count, id counter, replays). */
export class FuzzContext {
  readonly node: NodeProcess;
  readonly seed: number;
  readonly secret: string;
  readonly key: Uint8Array;
  /** Requests sent so far (fetch and raw). */
  requests = 0;
  /** Bumped by every unique id; also tags message texts. */
  counter = 0;
  /** Sends that succeeded, to be replayed. */
  readonly replayable: { c: Case; again: () => Promise<Answer> }[] = [];

  constructor(node: NodeProcess, seed: number, secret: string) {
    this.node = node;
    this.seed = seed;
    this.secret = secret;
    this.key = signatureKey(secret);
  }

  /** fetch with a timeout, as an Answer; `/events` bodies are not read. */
  http = async (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {},
  ): Promise<Answer> => {
    this.requests++;
    const response = await fetch(`${this.node.url}${path}`, {
      method: init.method ?? "POST",
      headers: init.headers,
      body: init.body ? new Uint8Array(init.body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const isStream = /event-stream/.test(response.headers.get("content-type") ?? "");
    const text = isStream ? "" : await response.text();
    if (isStream) await response.body?.cancel();
    return { status: response.status, headers: headersOf(response.headers), text };
  };

  /** One raw HTTP/1.1 exchange with the node, counted. */
  raw = (
    parts: (string | Uint8Array)[],
    options?: { halfClose?: boolean; timeoutMs?: number },
  ): Promise<Answer & { timedOut?: boolean }> => {
    this.requests++;
    return rawRequest(this.node.port, parts, options);
  };

  /** An id no other case uses (seeded, so replays name the same ids). */
  uniqueId = (prefix = "fz"): string => `${prefix}-${this.seed}-${++this.counter}`;

  /** A valid message text, sometimes with forgeries in it. */
  messageText = (r: Prng): string => {
    let text = `m${this.counter} ${r.string(r.int(1, 20), "abcdefghij klmnop")}`;
    const n = r.int(0, 3);
    for (let i = 0; i < n; i++) text += ` ${r.pick(FORGERIES)}`;
    return text;
  };

  /** A valid JSON envelope object (with a unique id) and the sender it names. */
  envelope = (r: Prng): Record<string, unknown> => {
    const body: Record<string, unknown> = {
      message: this.messageText(r),
      message_id: this.uniqueId(),
    };
    if (r.chance(0.6)) body.from = r.pick(GOOD_FROM);
    if (r.chance(0.3)) body.to = ROLE;
    if (r.chance(0.2)) body.reply_to = `msg_${r.string(8, "0123456789abcdef")}`;
    if (r.chance(0.2)) body.sent_at = new Date(Date.UTC(2026, 0, r.int(1, 28))).toISOString();
    return body;
  };

  /** The secret header and a JSON content type, plus `extra`. */
  secretHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({
    "x-intercom-secret": this.secret,
    "content-type": "application/json",
    ...extra,
  });

  /** A delivery case: the request and what the event must look like. */
  deliverCase = (
    kind: string,
    what: string,
    body: Record<string, unknown> | string,
    build: () => { path?: string; headers: Record<string, string>; body: Uint8Array },
    expected: { id?: string; from?: string; replayable?: boolean },
  ): Omit<Case, "n"> => {
    const message = typeof body === "string" ? viaUtf8(body) : body.message as string;
    const c: Omit<Case, "n"> = {
      kind,
      what,
      expect: "deliver",
      status: 200,
      id: expected.id,
      message,
      from: expected.from,
      send: async () => {
        const req = build();
        const answer = await this.http(req.path ?? "/message", {
          headers: req.headers,
          body: req.body,
        });
        // Only a request with a stable id (message_id or webhook-id) can be recognised again.
        if (answer.status === 200 && expected.replayable !== false) {
          this.replayable.push({
            c: c as Case,
            again: () =>
              this.http(req.path ?? "/message", { headers: req.headers, body: req.body }),
          });
        }
        return answer;
      },
    };
    return c;
  };
}
