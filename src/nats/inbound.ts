/**
 * The receiving side of broker mode: direct messages, probes and read receipts checked and
 * handed to the node's receive rules (`node/receive.ts`), signed delivery reports, and
 * connection changes logged.
 *
 * @module
 */

import type { Msg, NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../platform/log.ts";
import type { WireReport } from "./durable.ts";
import type { MeshNames } from "./subjects.ts";
import { nodeClaimOf } from "../core/node_key.ts";
import { encodeAnswer, errorReply, OPERATOR_HEADERS } from "./wire.ts";
import { type JudgeSender, readReport } from "./reports.ts";
import type { MeshSealer } from "../core/seal.ts";
import { errorText, throttledLog } from "./log_once.ts";
import { type Answer, answerOf, receive, receiveReceipt } from "../node/receive.ts";
import { type Receiver, verifySigned } from "../node/receiver.ts";

/**
 * Answers `<mesh>.<role>` (messages), `<mesh>.<role>.health` (probes),
 * `<mesh>.<role>.receipt` (read receipts) and the operator's `.operator.verdict` and
 * `.operator.message` with the node's answer, as an HTTP peer would get
 * it. Only the signature headers of a message are read: a message without a valid signature
 * is refused with 401. While `live()` is false (another session holds the role) nothing is
 * answered, so that session's answer is the one the sender gets. A failure inside the node is
 * answered with status 500 and `{"ok":false,"error":…}` (the sender retries) rather than left
 * to time out.
 *
 * @returns a function that stops answering.
 */
export function serveRole(
  nc: NatsConnection,
  o: {
    names: MeshNames;
    role: string;
    receiver: Receiver;
    live: () => boolean;
    log: Logger;
  },
): () => void {
  const say = throttledLog(o.log);
  const { context, key } = o.receiver;
  const answer = (subject: string, what: string, take: (msg: Msg) => Promise<Answer>) =>
    nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          return say(`sub ${what}`, `error: NATS subscription ${subject}: ${errorText(err)}`);
        }
        if (!o.live()) return;
        Promise.resolve().then(() => take(msg)).then(encodeAnswer)
          .catch((e) => {
            say(`node ${what}`, `error: the node failed on a ${what} from NATS: ${errorText(e)}`);
            return errorReply(500, `the receiving node failed to handle the ${what}; try again`);
          })
          .then((data) => void msg.respond(data))
          .catch((e) =>
            say(`respond ${what}`, `warning: cannot answer a ${what} on NATS: ${errorText(e)}`)
          );
      },
    });
  const verify = (m: Msg) =>
    verifySigned(key, (n) => m.headers?.get(n) ?? "", m.data, {
      nowSeconds: context.now().getTime() / 1000,
      by: "signature",
    });
  const subs = [
    answer(o.names.direct(o.role), "message", async (m) => {
      const verified = verify(m);
      if ("status" in verified) return verified;
      const node = nodeClaimOf((n) => m.headers?.get(n));
      return answerOf(await receive({ bytes: m.data, verified, node }, context));
    }),
    answer(o.names.health(o.role), "probe", () => {
      return Promise.resolve({ status: 200, body: o.receiver.health() });
    }),
    answer(o.names.receipt(o.role), "receipt", (m) => {
      const verified = verify(m);
      if ("status" in verified) return Promise.resolve(verified);
      const node = nodeClaimOf((n) => m.headers?.get(n));
      return Promise.resolve(receiveReceipt({ bytes: m.data, verified, node }, context));
    }),
    answer(o.names.operatorAll(o.role), "operator request", async (m): Promise<Answer> => {
      const headers = new Headers();
      for (const name of OPERATOR_HEADERS) {
        const value = m.headers?.get(name) ?? "";
        if (value !== "") headers.set(name, value);
      }
      const operator = o.receiver.operator;
      if (!operator) {
        return {
          status: 403,
          body: { ok: false, error: `"${o.role}" takes no operator requests` },
        };
      }
      const action = m.subject.slice(m.subject.lastIndexOf(".") + 1);
      return operator.check(headers) ?? await operator.receive({ action, headers, body: m.data });
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
  o: {
    subject: string;
    key: Uint8Array;
    log: Logger;
    onReport: (r: WireReport) => void;
    judge?: JudgeSender;
  },
): void {
  const say = throttledLog(o.log);
  nc.subscribe(o.subject, {
    callback: (err, msg) => {
      if (err) return say("sub", `error: NATS subscription ${o.subject}: ${errorText(err)}`);
      const get = (n: string) => msg.headers?.get(n) ?? "";
      const read = readReport(o.key, get, msg.data, Date.now() / 1000, o.judge);
      if ("problem" in read) return say(read.kind, `warning: ignored ${read.problem}`);
      o.onReport(read.report);
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
 * Publishes one hub event on `<mesh>.events.<role>` for `viewer --nats`: `{"event":…,"data":…}`
 * sealed with the mesh secret (`{"sealed":…}`, see `eventSealer`), so only mesh members read
 * it. Best effort: a viewer misses an event rather than a node failing.
 */
export function publishEvent(
  nc: NatsConnection,
  subject: string,
  { event, data }: { event: string; data: unknown },
  sealer: MeshSealer,
): void {
  try {
    nc.publish(subject, JSON.stringify(sealer.seal({ event, data })));
  } catch { /* closed or reconnecting: the viewer misses this one event, as documented */ }
}
