/**
 * Delivery reports of stored messages. The receiver of a stored message tells its sender how it
 * ended (delivered or refused) in the mesh's stream, on `<mesh>.inbox.<sender>.reports`, so a
 * sender that is offline hears it when its node returns; each sender reads its reports with a
 * durable consumer of its own and acknowledges each once it is passed on. Reports are signed
 * with the mesh secret, so broker access alone cannot fake a "delivered".
 *
 * @module
 */

import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { signHeaders, verifySignature, WEBHOOK_ID } from "../core/signature.ts";
import { nodeClaimOf, type NodeKeys, signNode } from "../core/node_key.ts";
import type { Inbound } from "../node/receive.ts";
import type { PinVerdict } from "../node/pins.ts";
import type { Logger } from "../platform/log.ts";
import { errorText, throttledLog } from "./log_once.ts";
import type { MeshNames } from "./subjects.ts";
import { SIGNED_HEADERS } from "./wire.ts";

/** What a receiver tells the sender about a stored message. */
export interface WireReport {
  message_id: string;
  peer: string;
  outcome: "delivered" | "refused";
  reason?: string;
  queued_ms: number;
}

/** The signed headers and body of `report`, signed now with `key`. */
export function signReport(
  key: Uint8Array,
  report: WireReport,
  nodeKeys?: NodeKeys,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(report);
  const input = { id: `report_${report.message_id}`, timestamp: now(), body };
  const headers = signHeaders(key, input);
  return { body, headers: nodeKeys ? { ...headers, ...signNode(nodeKeys, input) } : headers };
}

/**
 * Judges whether the sender of a signed report may speak as the role it names (the node's
 * receive rules: `judgeSender`).
 */
export type JudgeSender = (inbound: Inbound, from: string) => PinVerdict;

/**
 * The report in `data` when its signature holds as of `atSeconds` (when it was stored), else
 * why not.
 */
export function readReport(
  key: Uint8Array,
  get: (name: string) => string,
  data: Uint8Array,
  atSeconds: number,
  judge?: JudgeSender,
): { report: WireReport } | { problem: string; kind: "signature" | "shape" | "sender" } {
  const headers = new Headers();
  for (const n of SIGNED_HEADERS) headers.set(n, get(n));
  const ok = verifySignature(key, { headers, body: data }, { nowSeconds: atSeconds });
  if (!ok.ok) return { problem: `a report with a bad signature: ${ok.reason}`, kind: "signature" };
  try {
    const report = JSON.parse(new TextDecoder().decode(data)) as WireReport;
    if (typeof report?.message_id === "string" && typeof report.peer === "string") {
      // The role it reports for must be the one that signed it, when that role is pinned.
      const verified = { by: "stored" as const, id: get(WEBHOOK_ID) };
      const sender = judge?.({ bytes: data, verified, node: nodeClaimOf(get) }, report.peer);
      if (sender && !sender.ok) {
        return { problem: `a report refused: ${sender.reason}`, kind: "sender" };
      }
      return { report };
    }
  } catch { /* said below */ }
  return { problem: "a signed report that is not a delivery report", kind: "shape" };
}

/**
 * Stores `report` for `sender` (once per message and receiver within the stream's duplicate
 * window); when the broker will not store it, publishes it unstored, as nodes did before.
 */
export async function sendReport(
  nc: NatsConnection,
  o: {
    names: MeshNames;
    key: Uint8Array;
    sender: string;
    report: WireReport;
    log: Logger;
    nodeKeys?: NodeKeys;
  },
): Promise<void> {
  const { body, headers } = signReport(o.key, o.report, o.nodeKeys);
  const h = natsHeaders();
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  try {
    await jetstream(nc).publish(o.names.storedReports(o.sender), body, {
      headers: h,
      msgID: `report:${o.report.peer}:${o.report.message_id}`,
    });
  } catch (e) {
    o.log(`warning: cannot store a delivery report for "${o.sender}": ${errorText(e)}`);
    nc.publish(o.names.reports(o.sender), body, { headers: h });
  }
}

/** The durable consumer of `role`'s reports: a name no role's own consumer can have. */
export const reportConsumer = (role: string): string => `${role}=reports`;

/**
 * Passes on `role`'s stored reports, oldest first, each once: acknowledged after `onReport`
 * ran, so a report is never lost to a node that stops in between.
 *
 * @returns a function that stops reading (the reports not yet read stay stored).
 */
export async function consumeReports(
  nc: NatsConnection,
  o: {
    names: MeshNames;
    role: string;
    key: Uint8Array;
    log: Logger;
    onReport: (report: WireReport) => void;
    judge?: JudgeSender;
  },
): Promise<() => void> {
  const { names, role } = o;
  const say = throttledLog(o.log);
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(names.stream, {
    durable_name: reportConsumer(role),
    filter_subject: names.storedReports(role),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 30e9,
  });
  const consumer = await jetstream(nc).consumers.get(names.stream, reportConsumer(role));
  const messages = await consumer.consume();
  // A report redelivered because its ack was lost is passed on once all the same.
  const seen = new Set<string>();
  (async () => {
    for await (const m of messages) {
      const read = readReport(
        o.key,
        (n) => m.headers?.get(n) ?? "",
        m.data,
        Number(m.info.timestampNanos) / 1e9,
        o.judge,
      );
      if ("problem" in read) {
        say(read.kind, `warning: dropped ${read.problem}`);
        m.term();
        continue;
      }
      const id = `${read.report.peer}:${read.report.message_id}`;
      if (!seen.has(id)) {
        seen.add(id);
        if (seen.size > 10_000) seen.delete(seen.values().next().value!);
        o.onReport(read.report);
      }
      m.ack();
    }
  })().catch((e) => o.log(`error: stopped reading delivery reports: ${errorText(e)}`));
  return () => messages.stop();
}

const now = () => Math.floor(Date.now() / 1000);
