/**
 * The receiving side of broker mode: direct messages and probes answered through the node's
 * handler, signed delivery reports, and connection changes logged.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../platform/log.ts";
import type { WireReport } from "./durable.ts";
import type { MeshNames } from "./subjects.ts";
import { encodeReply, healthRequest, messageRequest, SIGNED_HEADERS } from "./wire.ts";
import { verifySignature } from "../core/signature.ts";

/**
 * Answers `<mesh>.<role>` (messages) and `<mesh>.<role>.health` (probes) with the handler's
 * verdict. While `live()` is false (another session holds the role) nothing is answered, so
 * that session's answer is the one the sender gets.
 *
 * @returns a function that stops answering.
 */
export function serveRole(
  nc: NatsConnection,
  o: {
    names: MeshNames;
    role: string;
    handler: (request: Request) => Promise<Response>;
    live: () => boolean;
  },
): () => void {
  const subs = [
    nc.subscribe(o.names.direct(o.role), {
      callback: (err, msg) => {
        if (err || !o.live()) return;
        o.handler(messageRequest((n) => msg.headers?.get(n) ?? "", msg.data))
          .then(encodeReply).then((data) => msg.respond(data)).catch(() => {});
      },
    }),
    nc.subscribe(o.names.health(o.role), {
      callback: (err, msg) => {
        if (err || !o.live()) return;
        o.handler(healthRequest()).then(encodeReply).then((d) => msg.respond(d)).catch(() => {});
      },
    }),
  ];
  return () => subs.forEach((s) => s.unsubscribe());
}

/**
 * Receives reports about our stored messages; only those signed with the mesh secret count,
 * so broker access alone cannot fake a "delivered".
 */
export function listenReports(
  nc: NatsConnection,
  o: { subject: string; key: Uint8Array; log: Logger; onReport: (r: WireReport) => void },
): void {
  nc.subscribe(o.subject, {
    callback: (err, msg) => {
      if (err) return;
      const headers = new Headers();
      for (const n of SIGNED_HEADERS) headers.set(n, msg.headers?.get(n) ?? "");
      const ok = verifySignature(o.key, { headers, body: msg.data }, {
        nowSeconds: Date.now() / 1000,
      });
      if (!ok.ok) return o.log(`warning: ignored a report with a bad signature: ${ok.reason}`);
      try {
        const report = JSON.parse(new TextDecoder().decode(msg.data)) as WireReport;
        if (typeof report?.message_id === "string") o.onReport(report);
      } catch { /* signed but not a report: ignore */ }
    },
  });
}

/** Logs disconnects and reconnects (a cluster member going away shows up here). */
export function watchStatus(nc: NatsConnection, log: Logger): void {
  (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") log(`NATS disconnected from ${s.server}`);
      if (s.type === "reconnect") log(`NATS reconnected to ${s.server}`);
    }
  })().catch(() => {});
}

/**
 * Publishes one hub event on `<mesh>.events.<role>` as `{"event":…,"data":…}` for
 * `viewer --nats`. Best effort: a viewer misses an event rather than a node failing.
 */
export function publishEvent(
  nc: NatsConnection,
  subject: string,
  { event, data }: { event: string; data: unknown },
): void {
  try {
    nc.publish(subject, JSON.stringify({ event, data }));
  } catch { /* closed or reconnecting */ }
}
