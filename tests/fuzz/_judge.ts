/**
 * Judging fuzz answers: each answer against what its case expects (a 4xx JSON refusal, a
 * delivery reported once, a duplicate, never a 5xx or a foreign header), and a runner that
 * sends cases with bounded concurrency and tallies the outcome.
 *
 * @module
 */

import type { Answer, Case } from "./_case.ts";

/** Response headers a node may send; anything else would be an injection. */
const ALLOWED_HEADERS = new Set([
  "content-type",
  "content-length",
  "date",
  "allow",
  "retry-after",
  "connection",
  "cache-control",
  "x-accel-buffering",
  "vary",
  "transfer-encoding",
  "keep-alive",
]);

/** What a fuzz run found: deliveries by id, problems, and counts by kind and by answer. */
export interface Tally {
  /** Ids of requests answered 200 and not duplicate: each must be exactly one event. */
  delivered: Map<string, Case>;
  problems: string[];
  stats: Map<string, number>;
  statuses: Map<number | string, number>;
}

/**
 * Checks one answer against its case; returns the problem or undefined. An accepted delivery
 * is recorded in `delivered`, so a message_id reported twice is caught.
 */
export function judge(c: Case, a: Answer, delivered: Map<string, Case>): string | undefined {
  const label = `#${c.n} [${c.kind}] ${c.what}`;
  const where = `${label}: got ${a.status} ${a.text.slice(0, 200)}`;
  if (a.status >= 500) return `5xx: ${where}`;
  for (const name of Object.keys(a.headers)) {
    if (!ALLOWED_HEADERS.has(name)) return `unexpected response header "${name}": ${where}`;
  }
  const jsonBody = () => {
    if (!/^application\/json/.test(a.headers["content-type"] ?? "")) {
      return `not JSON (${a.headers["content-type"]}): ${where}`;
    }
    try {
      return JSON.parse(a.text) as Record<string, unknown>;
    } catch {
      return `unparsable JSON: ${where}`;
    }
  };
  const refusal = (): string | undefined => {
    if (a.status < 400 || a.status > 499) return `not a 4xx: ${where}`;
    if (c.status !== undefined && a.status !== c.status) return `expected ${c.status}: ${where}`;
    if (c.head) return undefined;
    const body = jsonBody();
    if (typeof body === "string") return body;
    if (
      body.ok !== false || typeof body.error !== "string" || body.error === "" ||
      Object.keys(body).length !== 2
    ) {
      return `not {ok:false,error}: ${where}`;
    }
    if (a.status === 429 && !/^\d+$/.test(a.headers["retry-after"] ?? "")) {
      return `429 without Retry-After: ${where}`;
    }
    return undefined;
  };
  const acceptance = (): string | undefined => {
    if (a.status !== 200) return `expected 200: ${where}`;
    const body = jsonBody();
    if (typeof body === "string") return body;
    if (body.ok !== true || typeof body.message_id !== "string") return `not {ok:true}: ${where}`;
    if (c.expect === "duplicate") {
      return body.duplicate === true ? undefined : `replay not marked duplicate: ${where}`;
    }
    if (body.duplicate !== undefined) return `fresh request marked duplicate: ${where}`;
    if (c.id !== undefined && body.message_id !== c.id) return `wrong message_id: ${where}`;
    if (delivered.has(body.message_id)) return `message_id reported twice: ${where}`;
    delivered.set(body.message_id, c);
    return undefined;
  };
  switch (c.expect) {
    case "reject":
      return refusal();
    case "deliver":
    case "duplicate":
      return acceptance();
    case "either":
      return a.status === 200 ? acceptance() : refusal();
    case "ok":
      return a.status === 200 ? undefined : `expected 200: ${where}`;
    case "raw-reject":
      if (a.closed || a.notHttp1) return undefined;
      if (a.status < 400 || a.status > 499) return `not a 4xx: ${where}`;
      // Our handler answers JSON; the HTTP parser's own refusals have no body.
      if (a.headers["content-type"] || a.text !== "") {
        const body = jsonBody();
        if (typeof body === "string") return body;
        if (body.ok !== false || typeof body.error !== "string") {
          return `not {ok:false,error}: ${where}`;
        }
      }
      return undefined;
  }
}

/** Sends `cases`, `concurrency` at a time, judging each answer into `tally`. */
export async function runAll(cases: Case[], concurrency: number, tally: Tally): Promise<void> {
  const { problems, stats, statuses, delivered } = tally;
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < cases.length) {
      const c = cases[next++];
      let answer: Answer;
      const t0 = performance.now();
      try {
        answer = await c.send();
        const took = performance.now() - t0;
        if (took > 2_000) {
          console.log(`SLOW ${Math.round(took)} ms #${c.n} [${c.kind}] ${c.what}`);
        }
      } catch (e) {
        problems.push(`#${c.n} [${c.kind}] ${c.what}: request failed: ${e}`);
        continue;
      }
      stats.set(c.kind, (stats.get(c.kind) ?? 0) + 1);
      const key = answer.closed ? "closed" : answer.notHttp1 ? "not HTTP/1" : answer.status;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      const problem = judge(c, answer, delivered);
      if (problem) problems.push(problem);
    }
  }));
}
