/**
 * Broker mode: the {@linkcode PeerTransport} over NATS. Peers are the live members of the
 * presence bucket (and, in durable mode, the roster: the roles of `PEERS` and every role seen
 * before); a direct message is a signed request on `<mesh>.<role>` that the receiving node
 * answers with its receive rules' verdict, so `delivered` means that node accepted it. The node
 * connects outward only.
 *
 * @module
 */

import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import type { Peer, PeerTransport, TransportStatus } from "../node/transport.ts";
import type { Hub } from "../node/hub.ts";
import type { Receiver } from "../node/receiver.ts";
import type { Logger } from "../platform/log.ts";
import {
  type DeliveryOutcome,
  deliveryOutcome,
  type ProbeOutcome,
  probeOutcome,
} from "../core/outcome.ts";
import type { Envelope } from "../core/envelope.ts";
import { signatureKey, signHeaders } from "../core/signature.ts";
import type { Receipt } from "../node/receipts.ts";
import { meshScope, type NatsConfig } from "./config.ts";
import { connectNats, describeRequestError, explainConnectError, isAuthError } from "./connect.ts";
import { joinMesh, type Membership } from "./join.ts";
import { errorText, throttledLog } from "./log_once.ts";
import { meshNames } from "./subjects.ts";
import { decodeReply } from "./wire.ts";
import { type NodeKeys, signNode } from "../core/node_key.ts";
import type { Privacy } from "../node/privacy.ts";

/** Options for {@linkcode NatsTransport}. */
export interface NatsTransportOptions {
  config: NatsConfig;
  role: string;
  secret: string;
  version: string;
  /** Its events go to `<mesh>.events.<role>`; reports of stored messages come back to it. */
  hub: Hub;
  log: Logger;
  /** Timeout of one delivery request, in milliseconds (default 5 000). */
  timeoutMs?: number;
  /** Wait before connecting or joining again after a failure, in milliseconds (default 3 000). */
  retryMs?: number;
  /** Runs `run` after `ms`, returning a cancel function; `setTimeout` by default (for tests). */
  schedule?: (run: () => void, ms: number) => () => void;
  /** This node's keys: messages and receipts are also signed with its node key. */
  nodeKeys?: NodeKeys;
  /** Seals texts to members' keys (learned from presence and roster entries). */
  privacy?: Privacy;
}

export { DURABLE_LIMITS } from "./durable.ts";

/**
 * The NATS transport. {@linkcode start} connects and joins, and keeps trying in the background
 * while the server is down or has no JetStream (a refused login is not retried);
 * {@linkcode status} says why it is not ready meanwhile.
 */
export class NatsTransport implements PeerTransport {
  #o: NatsTransportOptions;
  #names;
  #key: Uint8Array;
  #nc?: NatsConnection;
  #member?: Membership;
  /** Why there is no connection, when there is none. */
  #error = "connecting to NATS";
  #authFailed = false;
  #peers = new Map<string, Peer>();
  #closed = false;
  #cancelRetry?: () => void;
  #starting?: Promise<void>;
  #say: (key: string, line: string) => void;
  #receiver?: Receiver;

  constructor(options: NatsTransportOptions) {
    this.#o = options;
    this.#names = meshNames(options.config.mesh);
    this.#key = signatureKey(options.secret);
    this.#say = throttledLog(options.log);
  }

  /**
   * Binds the node's receiving side: every incoming message goes through its rules. Once,
   * before {@linkcode start}.
   *
   * @throws {Error} when a receiver is bound already
   */
  bind(receiver: Receiver): void {
    if (this.#receiver) throw new Error("The NATS transport is bound to a receiver already");
    this.#receiver = receiver;
  }

  /**
   * Connects, joins the mesh and starts listening; a broker that is down or refuses never makes
   * it reject (see {@linkcode status}). Rejects when no receiver was bound ({@linkcode bind}).
   */
  start(): Promise<void> {
    if (!this.#receiver) {
      return Promise.reject(new Error("The NATS transport starts after bind(receiver)"));
    }
    // One attempt at a time: a call while connecting or connected waits for that one.
    return this.#starting ??= this.#start().finally(() => this.#starting = undefined);
  }

  async #start(): Promise<void> {
    const { config, log, role } = this.#o;
    if (this.#closed || this.#nc) return;
    let nc: NatsConnection;
    try {
      nc = await connectNats(config, `talkie-walkie:${role}`);
    } catch (e) {
      this.#error = await explainConnectError(e, config);
      this.#authFailed = isAuthError(e);
      // A server that is down may come up; a refused login will not fix itself.
      if (this.#authFailed) return log(`error: ${this.#error}`);
      this.#say("connect", `error: ${this.#error}; trying again every ${this.#retryMs / 1000} s`);
      return this.#again();
    }
    if (this.#closed) return void await nc.close();
    this.#nc = nc;
    try {
      this.#member = await joinMesh(nc, {
        config,
        names: this.#names,
        role,
        version: this.#o.version,
        key: this.#key,
        receiver: this.#receiver!,
        nodeKeys: this.#o.nodeKeys,
        privacy: this.#o.privacy,
        hub: this.#o.hub,
        log,
        hello: () => ({
          role,
          peers: this.#addressable(),
          online: this.#live(),
          version: this.#o.version,
          ...this.#receiver!.hello?.(),
        }),
      });
    } catch (e) {
      this.#error = `cannot join mesh "${config.mesh}" on NATS (is JetStream enabled? ` +
        `nats-server -js): ${errorText(e)}`;
      this.#say("join", `error: ${this.#error}; trying again every ${this.#retryMs / 1000} s`);
      this.#nc = undefined;
      // Closing a connection we give up on: its errors change nothing.
      await nc.close().catch(() => {});
      return this.#again();
    }
    // close() ran while we were joining: leave at once.
    if (this.#closed) await this.#leave();
  }

  get #retryMs(): number {
    return this.#o.retryMs ?? 3_000;
  }

  #again(): void {
    if (this.#closed) return;
    const schedule = this.#o.schedule ?? ((run, ms) => {
      const t = setTimeout(run, ms);
      return () => clearTimeout(t);
    });
    this.#cancelRetry = schedule(() => {
      this.#cancelRetry = undefined;
      this.start();
    }, this.#retryMs);
  }

  /** Why this node cannot take part in the mesh now (no connection, role held elsewhere). */
  #problem(): string | undefined {
    if (!this.#nc || this.#nc.isClosed()) return this.#error;
    if (!this.#member) return `joining mesh "${this.#o.config.mesh}"`;
    return this.#member.presence.conflict;
  }

  status(): TransportStatus {
    return {
      problem: this.#problem(),
      where: `NATS ${this.#nc?.getServer() ?? "?"} as ${this.#names.direct(this.#o.role)}`,
      scope: meshScope(this.#o.config.mesh),
      online: this.#live(),
    };
  }

  #peer(name: string): Peer {
    let p = this.#peers.get(name);
    if (!p) this.#peers.set(name, p = { name, url: `nats:${this.#names.direct(name)}` });
    return p;
  }

  /** Roles online now, other than ours. */
  #live(): string[] {
    return this.#member?.presence.live() ?? [];
  }

  /** Names a message can go to: who is online, plus the roster in durable mode. */
  #addressable(): string[] {
    const { config } = this.#o;
    const presence = this.#member?.presence;
    if (!config.durable) return presence?.live() ?? [];
    return [...new Set([...(config.roster ?? []), ...(presence?.known() ?? [])])].sort();
  }

  /**
   * Online roles; in durable mode also the roster (`PEERS` names and every role seen before),
   * whose messages wait in the broker while they are offline.
   */
  peers(): readonly Peer[] {
    return this.#addressable().map((n) => this.#peer(n));
  }

  async deliver(peer: Peer, envelope: Envelope): Promise<DeliveryOutcome> {
    const nc = this.#nc;
    const problem = this.#problem();
    if (!nc || problem) {
      return {
        ok: false,
        kind: "unreachable",
        reason: problem ?? this.#error,
        retryable: !this.#authFailed && !this.#member?.presence.conflict,
      };
    }
    // A role never seen on the broker (a roster role's first morning) has no key to seal to.
    const wire = this.#o.privacy?.wire(peer.name, envelope, { unknown: "mesh" }) ??
      { ok: true, body: envelope as unknown as Record<string, unknown> };
    if (!wire.ok) {
      const kind = wire.retryable ? "unreachable" : "refused";
      return { ok: false, kind, reason: wire.reason, retryable: wire.retryable };
    }
    const outcome = await this.#send(peer, envelope, JSON.stringify(wire.body));
    if (!wire.note || !outcome.ok) return outcome;
    return { ...outcome, reason: outcome.reason ? `${outcome.reason}; ${wire.note}` : wire.note };
  }

  /** Sends one wire body: a request, or stored behind earlier ones or when away (durable). */
  async #send(peer: Peer, envelope: Envelope, body: string): Promise<DeliveryOutcome> {
    const nc = this.#nc!;
    const durable = this.#member?.durable;
    const signed = this.#sign(envelope.message_id, body);
    // Earlier messages still wait in the broker: this one goes behind them, to keep the order.
    const waiting = await durable?.waiting(peer.name).catch((e) => {
      this.#say("backlog", `warning: cannot read the stored backlog: ${errorText(e)}`);
      return 0;
    }) ?? 0;
    if (waiting > 0) {
      const why = `${waiting} earlier message(s) to "${peer.name}" wait in the broker`;
      return durable!.keep(peer.name, body, signed, why);
    }
    const started = performance.now();
    const h = natsHeaders();
    for (const [k, v] of Object.entries(signed)) h.set(k, v);
    const timeoutMs = this.#o.timeoutMs ?? 5_000;
    const subject = this.#names.direct(peer.name);
    let failure;
    try {
      const reply = await nc.request(subject, body, { timeout: timeoutMs, headers: h });
      const latencyMs = performance.now() - started;
      return deliveryOutcome(decodeReply(reply.data), envelope.message_id, latencyMs);
    } catch (e) {
      failure = describeRequestError(e, {
        peer: peer.name,
        mesh: this.#o.config.mesh,
        subject,
        timeoutMs,
      });
    }
    if (!durable || !failure.retryable) {
      return {
        ok: false,
        kind: failure.retryable ? "unreachable" : "refused",
        reason: failure.reason,
        retryable: failure.retryable,
      };
    }
    return durable.keep(peer.name, body, signed, failure.reason);
  }

  async probe(peer: Peer): Promise<ProbeOutcome> {
    const nc = this.#nc;
    const problem = this.#problem();
    if (!nc || problem) return { state: "offline", reason: problem ?? this.#error };
    if (!this.#member?.presence.member(peer.name)) {
      const waits = this.#member?.durable ? "; messages to it wait in the broker" : "";
      return { state: "offline", reason: `not online in mesh "${this.#o.config.mesh}"${waits}` };
    }
    const started = performance.now();
    try {
      const reply = await nc.request(this.#names.health(peer.name), "", { timeout: 1_500 });
      return probeOutcome(decodeReply(reply.data), peer.name, performance.now() - started);
    } catch (e) {
      return {
        state: "offline",
        reason: `online in presence but not answering: ${errorText(e)}`,
      };
    }
  }

  /** Standard Webhooks headers and, with a node key, the node's (stored with the message). */
  #sign(id: string, body: string): Record<string, string> {
    const input = { id, timestamp: Math.floor(Date.now() / 1000), body };
    const headers = signHeaders(this.#key, input);
    const keys = this.#o.nodeKeys;
    return keys ? { ...headers, ...signNode(keys, input) } : headers;
  }

  /** Sends a read receipt on `<mesh>.<role>.receipt`; best effort, like over HTTP. */
  async receipt(peer: Peer, receipt: Receipt): Promise<void> {
    const nc = this.#nc;
    if (!nc || this.#problem()) return;
    const body = JSON.stringify(receipt);
    const h = natsHeaders();
    const signed = this.#sign(`receipt_${crypto.randomUUID()}`, body);
    for (const [k, v] of Object.entries(signed)) h.set(k, v);
    // A receipt is a courtesy: a peer that is away (or a node without receipts) misses it.
    await nc.request(this.#names.receipt(peer.name), body, { timeout: 1_500, headers: h })
      .catch(() => {});
  }

  async #leave(): Promise<void> {
    await this.#member?.close();
    // A drain that fails (connection already gone) still must end the connection.
    await this.#nc?.drain().catch(() => this.#nc?.close());
  }

  /** Leaves the mesh and stops retrying. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    await this.#leave();
  }
}
