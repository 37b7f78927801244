/**
 * The doctor's look at one peer: a signed `GET /health` that tells reachability, role, version,
 * signature support and (through the peer's `authenticated` answer) whether our secrets
 * match, and the peer's HTTP `Date` header for the clock skew.
 *
 * @module
 */

import type { Peer } from "../app/peers.ts";
import { describeNetworkError } from "../http/client.ts";
import { DEFAULT_TOLERANCE_SECONDS, signHeaders } from "../core/signature.ts";

/** One line of the doctor's report. */
export interface Check {
  level: "ok" | "warn" | "fail";
  text: string;
}

/** What `/health` told, or why it could not be asked. */
export type PeerFacts =
  | { reachable: false; reason: string }
  | {
    reachable: true;
    role?: string;
    version?: string;
    signatures: boolean;
    /** The peer's verdict on our signature; undefined when it did not say (a v2 node). */
    authenticated?: boolean;
    /** Peer clock minus ours, in seconds (from its `Date` header); undefined without one. */
    skewSeconds?: number;
  };

/** Asks a peer's `/health`, signed with `key`, within `timeoutMs`. Never throws. */
export async function probePeer(
  url: string,
  key: Uint8Array,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<PeerFacts> {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const headers = signHeaders(key, {
    id: `doctor_${crypto.randomUUID()}`,
    timestamp: Math.floor(Date.now() / 1000),
    body: "",
  });
  const sent = Date.now();
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${url}/health`, {
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const timeout = (e as Error)?.name === "TimeoutError";
    return {
      reachable: false,
      reason: timeout ? `no answer within ${timeoutMs} ms` : describeNetworkError(e),
    };
  }
  const received = Date.now();
  const date = Date.parse(response.headers.get("date") ?? "");
  // The Date header has whole seconds: compare with the middle of the round trip.
  const skewSeconds = Number.isNaN(date)
    ? undefined
    : Math.round((date + 500 - (sent + received) / 2) / 1000);
  if (!response.ok) {
    await response.body?.cancel();
    return { reachable: false, reason: `/health answered HTTP ${response.status}` };
  }
  const body = await response.json().catch(() => null) as Record<string, unknown> | null;
  if (typeof body?.role !== "string") {
    return { reachable: false, reason: "/health did not answer like a talkie-walkie node" };
  }
  return {
    reachable: true,
    role: body.role,
    version: typeof body.version === "string" ? body.version : undefined,
    signatures: Array.isArray(body.signatures) && body.signatures.includes("v1"),
    authenticated: typeof body.authenticated === "boolean" ? body.authenticated : undefined,
    skewSeconds,
  };
}

/** Clock distance that earns a warning, in seconds; the signature tolerance fails. */
export const SKEW_WARN_SECONDS = 30;

function describeSkew(seconds: number): string {
  if (Math.abs(seconds) <= 1) return "clock in step";
  return `clock ${Math.abs(seconds)} s ${seconds > 0 ? "ahead of" : "behind"} ours`;
}

/**
 * Judges one peer's facts: one line saying what is fine and, first, what is wrong and the fix.
 *
 * @example
 * ```ts
 * judgePeer({ name: "tester", url: "http://10.0.0.7:8788" }, { reachable: false, reason: "connection refused" });
 * // { level: "fail", text: 'peer "tester" at http://10.0.0.7:8788: not reachable (connection refused): …' }
 * ```
 */
export function judgePeer(peer: Peer, facts: PeerFacts): Check {
  const head = `peer "${peer.name}" at ${peer.url}`;
  if (!facts.reachable) {
    return {
      level: "fail",
      text: `${head}: not reachable (${facts.reason}): is its session running, and is the ` +
        "address in PEERS right?",
    };
  }
  if (facts.role !== peer.name) {
    return {
      level: "fail",
      text: `${head}: answers as "${facts.role}", not "${peer.name}": fix that entry of PEERS`,
    };
  }
  const facts2 = [
    `online`,
    `version ${facts.version ?? "unknown"}`,
    facts.signatures ? "signatures v1" : "no signatures",
  ];
  const skew = facts.skewSeconds;
  const clockFails = skew !== undefined && Math.abs(skew) >= DEFAULT_TOLERANCE_SECONDS;
  if (skew !== undefined) facts2.push(describeSkew(skew));
  if (clockFails) {
    return {
      level: "fail",
      text: `${head}: its ${describeSkew(skew)}, beyond the ±${DEFAULT_TOLERANCE_SECONDS} s ` +
        `signatures allow, so it refuses our messages: sync both clocks (NTP) (${
          facts2.join(", ")
        })`,
    };
  }
  if (facts.authenticated === false) {
    return {
      level: "fail",
      text: `${head}: it does not accept our secret: use the same INTERCOM_SECRET on every node ` +
        `(${facts2.join(", ")})`,
    };
  }
  if (facts.authenticated === undefined) {
    return {
      level: "warn",
      text: `${head}: secret not checked, it does not verify signatures (a v2 node?): ` +
        `upgrade it (${facts2.join(", ")})`,
    };
  }
  facts2.push("same secret");
  if (skew !== undefined && Math.abs(skew) >= SKEW_WARN_SECONDS) {
    return { level: "warn", text: `${head}: ${facts2.join(", ")}: sync the clocks (NTP)` };
  }
  if (skew === undefined) facts2.push("clock not known (no Date header)");
  return { level: "ok", text: `${head}: ${facts2.join(", ")}` };
}
