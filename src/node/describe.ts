/**
 * The words of tool results and delivery reports: what happened to a message, said once.
 *
 * @module
 */

import type { CallToolResult } from "../platform/sdk.ts";
import type { SendResult } from "./messenger.ts";
import type { DeliveryReport } from "./outbox.ts";

/** A tool result of one text, an `isError` one when `isError`. */
export const text = (t: string, isError = false): CallToolResult => ({
  content: [{ type: "text", text: t }],
  ...(isError ? { isError: true } : {}),
});

/** A duration in whole milliseconds, at least 1. */
export const ms = (n: number) => `${Math.max(1, Math.round(n))} ms`;

/** A duration in the unit that reads best: min, s or tenths of s. */
export const minutes = (msValue: number) =>
  msValue >= 60_000
    ? `${Math.round(msValue / 60_000)} min`
    : msValue >= 10_000
    ? `${Math.round(msValue / 1000)} s`
    : `${(msValue / 1000).toFixed(1)} s`;

/** One line describing what happened to a message at one peer. */
export function describeResult(r: SendResult): string {
  const o = r.outcome;
  const where = `"${r.peer.name}" (${r.peer.url})`;
  switch (o.status) {
    case "delivered":
      return `Delivered to ${where} in ${ms(o.latencyMs)}${o.reason ? ` (${o.reason})` : ""}`;
    case "stored":
      return `Stored for ${where}, not delivered yet: ${o.reason}. A delivery_report event ` +
        `will say when it is delivered`;
    case "held":
      return `Held for ${where}, not in its session yet: ${o.reason}. No report follows`;
    case "queued":
      return `Queued for ${where}, not delivered yet: ${o.reason}. It is retried for up to ` +
        `${minutes(o.retryWindowMs)}; a delivery_report event will say how it ended`;
    case "refused":
      if (o.local) return `Not sent to ${where}: ${o.reason}`;
      // The peer's reason when it is the clock: a skewed clock is not a wrong secret.
      if (o.unauthorized && /clock/.test(o.reason)) return `Refused by ${where}: ${o.reason}`;
      if (o.unauthorized) {
        return `Refused by ${where}: wrong secret (HTTP 401). Every node needs the same ` +
          `INTERCOM_SECRET`;
      }
      return `Refused by ${where}${o.httpStatus ? `: HTTP ${o.httpStatus}` : ""}: ${o.reason}`;
  }
}

/** The channel event content of a delivery report. */
export function describeReport(r: DeliveryReport): string {
  if (r.outcome === "read") return `Your message ${r.message_id} to "${r.peer}" was read.`;
  if (r.outcome === "seen") {
    return `Your message ${r.message_id} to "${r.peer}" was seen: it is in its session's context.`;
  }
  const after = `after ${r.attempts} attempt${r.attempts === 1 ? "" : "s"} and ` +
    `${minutes(r.queuedMs)} waiting`;
  switch (r.outcome) {
    case "delivered":
      return `Your queued message ${r.message_id} to "${r.peer}" was delivered ${after}.`;
    case "held":
      return `Your queued message ${r.message_id} reached "${r.peer}"'s node ${after}; ` +
        `${r.reason ?? "it holds it until its Claude session connects"}.`;
    case "expired":
      return `Your queued message ${r.message_id} to "${r.peer}" expired undelivered ${after}` +
        `${r.reason ? ` (last error: ${r.reason})` : ""}. Send it again if it still matters.`;
    case "refused":
      return `Your queued message ${r.message_id} to "${r.peer}" was refused ${after}: ` +
        `${r.reason}.`;
  }
}
