/**
 * Durable mode (`INTERCOM_NATS_DURABLE=1`): messages for a role that is offline wait in one
 * JetStream stream per mesh, bounded in age and size; each role reads its own subject with a
 * durable consumer, one message at a time (in order), through the node's receive rules
 * (`node/receive.ts`), and acks only after they took it. The sender hears the outcome in a
 * report that is stored too (`reports.ts`), so it hears it even when it was offline meanwhile.
 *
 * A stored message can be older than the signature tolerance (±5 min), so the receiver checks
 * the signature once, as of the time the broker stored it (the server's timestamp), and hands
 * the message on as verified when stored. A message replayed into the stream later has an old
 * signature for a new time and is refused.
 *
 * @module
 */

import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  JetStreamApiCodes,
  type JetStreamManager,
  jetstreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { nodeClaimOf, type NodeKeys } from "../core/node_key.ts";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { brokerRoleProblem } from "../core/names.ts";
import type { DeliveryOutcome } from "../core/outcome.ts";
import type { Logger } from "../platform/log.ts";
import type { MeshNames } from "./subjects.ts";
import { errorText, throttledLog } from "./log_once.ts";
import { verifySignature, WEBHOOK_ID } from "../core/signature.ts";
import { receive } from "../node/receive.ts";
import type { Receiver } from "../node/receiver.ts";
import { BacklogTracker } from "./backlog.ts";
import { sendReport, type WireReport } from "./reports.ts";

export type { WireReport };

/**
 * Default bounds of the stream: a day (INTERCOM_NATS_MAX_AGE), 64 MiB (INTERCOM_NATS_MAX_BYTES),
 * 10 000 messages a role.
 */
export const DURABLE_LIMITS = {
  maxAgeMs: 24 * 3600_000,
  maxBytes: 64 * 1024 * 1024,
  perRole: 10_000,
};

/** Options for {@linkcode DurableInbox}. */
export interface DurableOptions {
  nc: NatsConnection;
  names: MeshNames;
  role: string;
  /** Signature key from the mesh secret. */
  key: Uint8Array;
  /** The node's receiving side: every stored message goes through its rules. */
  receiver: Receiver;
  log: Logger;
  /** Stream replicas: 3 in a cluster, so a server can fail (default 1). */
  replicas?: number;
  /** How long a stored message is kept, in milliseconds (default a day). */
  maxAgeMs?: number;
  /** Size bound of the stream, in bytes (default 64 MiB). */
  maxBytes?: number;
  /** This node's keys: its reports are signed with them too. */
  nodeKeys?: NodeKeys;
}

const ms = (nanos: bigint | number) => Number(nanos) / 1e6;

/** The stream of a mesh and this node's consumer of it. */
export class DurableInbox {
  #o: DurableOptions;
  #stop?: () => void;
  #jsm?: Promise<JetStreamManager>;
  #say: (key: string, line: string) => void;
  #tracker: BacklogTracker;

  constructor(options: DurableOptions) {
    this.#o = options;
    this.#say = throttledLog(options.log);
    this.#tracker = new BacklogTracker((role) => this.backlog(role));
  }

  #manager(): Promise<JetStreamManager> {
    // One manager per connection: making one asks the server for the account each time.
    return this.#jsm ??= jetstreamManager(this.#o.nc).catch((e) => {
      this.#jsm = undefined;
      throw e;
    });
  }

  /**
   * Creates the stream if it is missing (idempotent; every node may call it). A stream made by
   * an older node gets the reports' subjects added; its limits stay those of the node that made
   * it, and a node asking for others says so.
   */
  async ensureStream(): Promise<void> {
    const { names, log } = this.#o;
    const jsm = await this.#manager();
    const maxAgeMs = this.#o.maxAgeMs ?? DURABLE_LIMITS.maxAgeMs;
    const maxBytes = this.#o.maxBytes ?? DURABLE_LIMITS.maxBytes;
    const subjects = [names.allInboxes, names.allStoredReports];
    const config = {
      name: names.stream,
      subjects,
      max_age: maxAgeMs * 1e6,
      max_bytes: maxBytes,
      max_msgs_per_subject: DURABLE_LIMITS.perRole,
      discard: DiscardPolicy.Old,
      // JetStream refuses a duplicate window longer than the stream's age.
      duplicate_window: Math.min(120_000, maxAgeMs) * 1e6,
      num_replicas: this.#o.replicas ?? 1,
    };
    // Missing: create it. Any other failure (no JetStream) makes add throw the real reason.
    const info = await jsm.streams.info(names.stream).catch(() => undefined);
    if (!info) return void await jsm.streams.add(config);
    const missing = subjects.filter((s) => !info.config.subjects?.includes(s));
    if (missing.length > 0) {
      // Without them, reports go unstored (as before); messages are stored all the same.
      await jsm.streams.update(names.stream, {
        ...info.config,
        subjects: [...(info.config.subjects ?? []), ...missing],
      }).catch((e) =>
        log(`warning: cannot add the reports' subjects to ${names.stream}: ${errorText(e)}`)
      );
    }
    if (info.config.max_age !== config.max_age || info.config.max_bytes !== maxBytes) {
      log(
        `warning: the stream ${names.stream} keeps messages ${
          Math.round(info.config.max_age / 1e9)
        } s and ${info.config.max_bytes} bytes, as the node that made it asked; ` +
          `INTERCOM_NATS_MAX_AGE/INTERCOM_NATS_MAX_BYTES here ask for ${maxAgeMs / 1000} s and ` +
          `${maxBytes} bytes (change the stream with the nats CLI, or remove it)`,
      );
    }
  }

  /**
   * How many of the messages this node stored for `role` may still wait, without a broker round
   * trip when none does (see {@linkcode BacklogTracker}).
   */
  waiting(role: string): Promise<number> {
    return this.#tracker.waiting(role);
  }

  /** Records the report on a message this node stored for `role`. */
  settled(role: string, id: string): void {
    this.#tracker.settled(role, id);
  }

  /**
   * How many messages for `role` wait in the stream (two broker round trips at most): not yet acknowledged by its consumer, or
   * all of its subject when it never consumed. A sender stores behind them rather than going
   * direct, so messages to one role arrive in the order they were sent.
   */
  async backlog(role: string): Promise<number> {
    const { names } = this.#o;
    const jsm = await this.#manager();
    const consumer = await jsm.consumers.info(names.stream, role).catch((e) => {
      if ((e as { code?: number })?.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
      throw e;
    });
    if (consumer) return consumer.num_pending + consumer.num_ack_pending;
    const info = await jsm.streams.info(names.stream, { subjects_filter: names.inbox(role) });
    return info.state.subjects?.[names.inbox(role)] ?? 0;
  }

  /**
   * Stores a signed message from us for `role`; an id we repeat within two minutes (a retry) is
   * stored once (`Nats-Msg-Id`). The broker's memory is keyed by sender as well, so another
   * sender's message with the same id is not silently dropped as a duplicate.
   */
  async store(role: string, body: string, signed: Record<string, string>): Promise<void> {
    const h = natsHeaders();
    for (const [k, v] of Object.entries(signed)) h.set(k, v);
    await jetstream(this.#o.nc).publish(this.#o.names.inbox(role), body, {
      headers: h,
      msgID: `${this.#o.role}:${signed[WEBHOOK_ID]}`,
    });
  }

  /**
   * Stores a message (see {@linkcode store}) and says so as a delivery outcome: `stored`, or
   * `unreachable` (retryable) when the broker would not take it. `why` says why it was not
   * delivered directly.
   */
  async keep(
    role: string,
    body: string,
    signed: Record<string, string>,
    why: string,
  ): Promise<DeliveryOutcome> {
    try {
      await this.store(role, body, signed);
      this.#tracker.stored(role, signed[WEBHOOK_ID]);
    } catch (e) {
      const reason = `${why}; storing it failed: ${errorText(e)}`;
      return { ok: false, kind: "unreachable", reason, retryable: true };
    }
    const reason = `${why}; it waits in the broker and is delivered when "${role}" takes it`;
    return { ok: false, kind: "stored", reason, retryable: false };
  }

  /** Starts delivering this role's stored messages, in order, until {@linkcode close}. */
  async consume(): Promise<void> {
    const { nc, names, role } = this.#o;
    const jsm = await this.#manager();
    await jsm.consumers.add(names.stream, {
      durable_name: role,
      filter_subject: names.inbox(role),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      // One at a time keeps the order even when a message has to wait (rate limit).
      max_ack_pending: 1,
      ack_wait: 30e9,
    });
    const consumer = await jetstream(nc).consumers.get(names.stream, role);
    const messages = await consumer.consume({ max_messages: 1 });
    this.#stop = () => messages.stop();
    (async () => {
      for await (const m of messages) {
        // Not acked: the broker offers it again after ack_wait.
        await this.#deliver(m).catch((e) =>
          this.#say("deliver", `error: delivering a stored message failed: ${errorText(e)}`)
        );
      }
    })().catch((e) =>
      this.#o.log(`error: stopped reading stored messages for "${role}": ${errorText(e)}`)
    );
  }

  async #deliver(m: JsMsg): Promise<void> {
    const { key, receiver, log, nc, names } = this.#o;
    const storedAt = ms(m.info.timestampNanos);
    const get = (name: string) => m.headers?.get(name) ?? "";
    const check = verifySignature(key, { headers: new Headers(pairs(get)), body: m.data }, {
      nowSeconds: storedAt / 1000,
    });
    let envelope: { message_id?: string; from?: string } = {};
    try {
      envelope = JSON.parse(new TextDecoder().decode(m.data));
    } catch { /* not JSON: the receive rules refuse it and say why */ }
    const report = (outcome: WireReport["outcome"], reason?: string) => {
      const from = envelope.from;
      if (typeof from !== "string" || brokerRoleProblem(from) !== undefined) return;
      const r: WireReport = {
        message_id: String(envelope.message_id ?? get(WEBHOOK_ID)),
        peer: this.#o.role,
        outcome,
        reason,
        queued_ms: Math.max(0, Date.now() - storedAt),
      };
      const nodeKeys = this.#o.nodeKeys;
      return sendReport(nc, { names, key, sender: from, report: r, log, nodeKeys });
    };
    if (!check.ok) {
      log(`warning: dropped a stored message whose signature fails: ${check.reason}`);
      // term() without a reason: servers before 2.10.4 ignore "+TERM <reason>", and the message
      // then blocked this role's queue (one in flight) and was refused again every ack_wait.
      m.term();
      return report("refused", `signature rejected: ${check.reason}`);
    }
    // Verified once, when stored: the receive rules take it as such, without signing it again.
    const received = await receive(
      { bytes: m.data, verified: { by: "stored", id: check.id }, node: nodeClaimOf(get) },
      receiver.context,
    );
    switch (received.kind) {
      case "delivered":
      case "held":
      case "duplicate":
        m.ack();
        return report("delivered");
      case "conflict":
      case "refused":
        m.term();
        return report("refused", received.reason);
      default:
        // Not now (a rate limit, no session yet): the broker offers it again after the wait.
        m.nak(received.retryAfterSeconds * 1000);
    }
  }

  /** Stops consuming (stored messages stay for the next session). */
  close(): void {
    this.#stop?.();
  }
}

function pairs(get: (name: string) => string): [string, string][] {
  return ["webhook-id", "webhook-timestamp", "webhook-signature"].map((n) => [n, get(n)]);
}
