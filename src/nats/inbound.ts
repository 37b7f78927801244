/**
 * The receiving side of broker mode: direct messages and probes answered through the node's
 * handler, signed delivery reports, and connection changes logged.
 *
 * @module
 */

import type { Msg, NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../platform/log.ts";
import type { WireReport } from "./durable.ts";
import type { MeshNames } from "./subjects.ts";
import {
  encodeReply,
  errorReply,
  healthRequest,
  messageRequest,
  operatorRequest,
  SIGNED_HEADERS,
} from "./wire.ts";
import { errorText, throttledLog } from "./log_once.ts";
import { verifySignature } from "../core/signature.ts";

/**
 * Answers `<mesh>.<role>` (messages), `<mesh>.<role>.health` (probes), `.receipt` and the
 * operator's `.operator.verdict` and `.operator.message` with the handler's
 * verdict. While `live()` is false (another session holds the role) nothing is answered, so
 * that session's answer is the one the sender gets. A handler that throws is answered with
 * status 500 and `{"ok":false,"error":…}` (the sender retries) rather than left to time out.
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
    log: Logger;
  },
): () => void {
  const say = throttledLog(o.log);
  const answer = (subject: string, what: string, request: (msg: Msg) => Request) =>
    nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          return say(`sub ${what}`, `error: NATS subscription ${subject}: ${errorText(err)}`);
        }
        if (!o.live()) return;
        Promise.resolve().then(() => o.handler(request(msg))).then(encodeReply)
          .catch((e) => {
            say(
              `handler ${what}`,
              `error: the handler failed on a ${what} from NATS: ${errorText(e)}`,
            );
            return errorReply(500, `the receiving node failed to handle the ${what}; try again`);
          })
          .then((data) => void msg.respond(data))
          .catch((e) =>
            say(`respond ${what}`, `warning: cannot answer a ${what} on NATS: ${errorText(e)}`)
          );
      },
    });
  const subs = [
    answer(
      o.names.direct(o.role),
      "message",
      (m) => messageRequest((n) => m.headers?.get(n) ?? "", m.data),
    ),
    answer(o.names.health(o.role), "probe", () => healthRequest()),
    answer(
      o.names.receipt(o.role),
      "receipt",
      (m) => messageRequest((n) => m.headers?.get(n) ?? "", m.data, "/receipt"),
    ),
    answer(
      o.names.operatorAll(o.role),
      "operator request",
      (m) =>
        operatorRequest(
          m.subject.slice(m.subject.lastIndexOf(".") + 1),
          (n) => m.headers?.get(n) ?? "",
          m.data,
        ),
    ),
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
  const say = throttledLog(o.log);
  nc.subscribe(o.subject, {
    callback: (err, msg) => {
      if (err) return say("sub", `error: NATS subscription ${o.subject}: ${errorText(err)}`);
      const headers = new Headers();
      for (const n of SIGNED_HEADERS) headers.set(n, msg.headers?.get(n) ?? "");
      const ok = verifySignature(o.key, { headers, body: msg.data }, {
        nowSeconds: Date.now() / 1000,
      });
      if (!ok.ok) return say("bad", `warning: ignored a report with a bad signature: ${ok.reason}`);
      try {
        const report = JSON.parse(new TextDecoder().decode(msg.data)) as WireReport;
        if (typeof report?.message_id === "string") return o.onReport(report);
      } catch { /* said below */ }
      say("shape", "warning: ignored a signed report that is not a delivery report");
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
  })().catch((e) => log(`warning: stopped watching the NATS connection: ${errorText(e)}`));
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
  } catch { /* closed or reconnecting: the viewer misses this one event, as documented */ }
}
