/**
 * Broker mode: the {@linkcode PeerTransport} over NATS. Peers are the live members of the
 * presence bucket (and, in durable mode, every role the roster knows); a direct message is a
 * signed request on `<mesh>.<role>` that the receiving node answers with its handler's verdict,
 * so `delivered` means that node accepted it. The node connects outward only.
 *
 * @module
 */

import { Kvm } from "@nats-io/kv";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import type { Peer } from "../node/transport.ts";
import type { Hub } from "../node/hub.ts";
import type { Logger } from "../platform/log.ts";
import type { NatsConfig } from "./config.ts";
import { connectNats, describeConnectError, isAuthError } from "./connect.ts";
import { DurableInbox } from "./durable.ts";
import { openBucket, Presence } from "./presence.ts";
import { meshNames } from "./subjects.ts";
import { listenReports, publishEvent, serveRole, watchStatus } from "./inbound.ts";
import { decodeReply } from "./wire.ts";
import {
  type DeliveryOutcome,
  deliveryOutcome,
  type ProbeOutcome,
  probeOutcome,
} from "../core/outcome.ts";
import type { Envelope } from "../core/envelope.ts";
import { signatureKey, signHeaders } from "../core/signature.ts";
import type { PeerTransport, TransportStatus } from "../node/transport.ts";

/** Options for {@linkcode NatsTransport}. */
export interface NatsTransportOptions {
  config: NatsConfig;
  role: string;
  secret: string;
  version: string;
  /** The node's handler: every incoming message goes through it. */
  handler: (request: Request) => Promise<Response>;
  /** Its events go to `<mesh>.events.<role>`; reports of stored messages come back to it. */
  hub: Hub;
  log: Logger;
  /** Timeout of one delivery request, in milliseconds (default 5 000). */
  timeoutMs?: number;
}

export { DURABLE_LIMITS } from "./durable.ts";

/** The NATS transport. Call {@linkcode start} once before use. */
export class NatsTransport implements PeerTransport {
  #o: NatsTransportOptions;
  #names;
  #key: Uint8Array;
  #nc?: NatsConnection;
  #presence?: Presence;
  #durable?: DurableInbox;
  /** Why there is no connection, when there is none. */
  #error = "connecting to NATS";
  #authFailed = false;
  #peers = new Map<string, Peer>();
  /** Messages stored for offline roles, waiting for the receiver's report. */
  #closed = false;
  #cleanups: (() => void)[] = [];

  constructor(options: NatsTransportOptions) {
    this.#o = options;
    this.#names = meshNames(options.config.mesh);
    this.#key = signatureKey(options.secret);
  }

  /** Connects, joins the mesh and starts listening; never throws (see {@linkcode problem}). */
  async start(): Promise<void> {
    const { config, log, role } = this.#o;
    try {
      this.#nc = await connectNats(config, `talkie-walkie:${role}`);
    } catch (e) {
      this.#error = describeConnectError(e, config);
      this.#authFailed = isAuthError(e);
      log(`error: ${this.#error}`);
      // A server that is down may come up; a refused login will not fix itself.
      if (!this.#authFailed && !this.#closed) {
        const t = setTimeout(() => this.start(), 3_000);
        this.#cleanups.push(() => clearTimeout(t));
      }
      return;
    }
    try {
      await this.#join(this.#nc);
    } catch (e) {
      this.#error = `cannot join mesh "${config.mesh}" on NATS (is JetStream enabled? ` +
        `nats-server -js): ${(e as Error).message}`;
      log(`error: ${this.#error}; trying again in 3 s`);
      for (const c of this.#cleanups.splice(0)) c();
      await this.#nc.close().catch(() => {});
      this.#nc = undefined;
      if (!this.#closed) {
        const t = setTimeout(() => this.start(), 3_000);
        this.#cleanups.push(() => clearTimeout(t));
      }
    }
  }

  async #join(nc: NatsConnection): Promise<void> {
    const { config, log, role } = this.#o;
    const kvm = new Kvm(nc);
    // In a cluster the buckets and the stream are replicated, so losing a server loses nothing.
    const replicas = nc.info?.cluster ? 3 : 1;
    const kv = await openBucket(kvm, this.#names.presenceBucket, {
      ttl: config.presenceTtlMs,
      replicas,
    });
    const roster = config.durable
      ? await openBucket(kvm, this.#names.rosterBucket, { replicas })
      : undefined;
    if (config.durable) {
      this.#durable = new DurableInbox({
        nc,
        names: this.#names,
        role,
        key: this.#key,
        log,
        handler: this.#o.handler,
        replicas,
      });
      await this.#durable.ensureStream();
    }
    watchStatus(nc, log);
    listenReports(nc, {
      subject: this.#names.reports(role),
      key: this.#key,
      log,
      // Stored messages are out of our outbox: the receiver's report is the only word on them.
      onReport: (report) =>
        this.#o.hub.report({ ...report, attempts: 1, queuedMs: report.queued_ms }),
    });
    let listening = false;
    this.#presence = new Presence({
      kv,
      roster,
      ttlMs: config.presenceTtlMs,
      value: {
        role,
        instance: crypto.randomUUID(),
        version: this.#o.version,
        started_at: new Date().toISOString(),
      },
      onConflict: (message) => log(`error: ${message}`),
      onClaimed: async () => {
        if (!listening) {
          listening = true;
          serveRole(nc, {
            names: this.#names,
            role,
            handler: this.#o.handler,
            live: () => this.#presence?.claimed ?? false,
          });
          await this.#durable?.consume();
        }
        this.#hello();
        log(
          `"${role}" joined mesh "${config.mesh}" on NATS ${nc.getServer()}` +
            `${config.durable ? " (durable)" : ""}; online: ${
              this.#presence?.live().join(", ") || "none"
            }`,
        );
      },
    });
    await this.#presence.start();
    const offHub = this.#o.hub.subscribe((r) =>
      publishEvent(nc, this.#names.events(role), { event: r.kind, data: r.envelope })
    );
    const hello = setInterval(() => this.#hello(), config.presenceTtlMs / 3);
    this.#cleanups.push(offHub, () => clearInterval(hello));
  }

  #hello(): void {
    const { role, version } = this.#o;
    const peers = this.peers().map((p) => p.name);
    if (this.#nc) {
      publishEvent(this.#nc, this.#names.events(role), {
        event: "hello",
        data: { role, peers, version },
      });
    }
  }

  /** Why this node cannot take part in the mesh now (no connection, role held elsewhere). */
  #problem(): string | undefined {
    if (!this.#nc || this.#nc.isClosed()) return this.#error;
    return this.#presence?.conflict;
  }

  status(): TransportStatus {
    return {
      problem: this.#problem(),
      where: `NATS ${this.#nc?.getServer() ?? "?"} as ${this.#names.direct(this.#o.role)}`,
      scope: `mesh "${this.#o.config.mesh}"`,
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
    return this.#presence?.live() ?? [];
  }

  peers(): readonly Peer[] {
    const p = this.#presence;
    if (!p) return [];
    return (this.#o.config.durable ? p.known() : p.live()).map((n) => this.#peer(n));
  }

  async deliver(peer: Peer, envelope: Envelope): Promise<DeliveryOutcome> {
    const nc = this.#nc;
    const problem = this.#problem();
    if (!nc || problem) {
      return {
        ok: false,
        kind: "unreachable",
        reason: problem ?? this.#error,
        retryable: !this.#authFailed && !this.#presence?.conflict,
      };
    }
    const started = performance.now();
    const body = JSON.stringify(envelope);
    const signed = signHeaders(this.#key, {
      id: envelope.message_id,
      timestamp: Math.floor(Date.now() / 1000),
      body,
    });
    const h = natsHeaders();
    for (const [k, v] of Object.entries(signed)) h.set(k, v);
    const timeout = this.#o.timeoutMs ?? 5_000;
    let reason: string;
    try {
      const reply = await nc.request(this.#names.direct(peer.name), body, { timeout, headers: h });
      const latencyMs = performance.now() - started;
      return deliveryOutcome(decodeReply(reply.data), envelope.message_id, latencyMs);
    } catch (e) {
      const noOne = (e as { isNoResponders?: () => boolean }).isNoResponders?.() ?? false;
      reason = noOne
        ? `"${peer.name}" is not online in mesh "${this.#o.config.mesh}" (no responders on ${
          this.#names.direct(peer.name)
        })`
        : `no answer from "${peer.name}" within ${timeout} ms`;
    }
    if (!this.#durable) return { ok: false, kind: "unreachable", reason, retryable: true };
    try {
      await this.#durable.store(peer.name, body, signed);
    } catch (e) {
      return {
        ok: false,
        kind: "unreachable",
        reason: `${reason}; storing it failed: ${(e as Error).message}`,
        retryable: true,
      };
    }
    return {
      ok: false,
      kind: "stored",
      reason: `${reason}; it waits in the broker and is delivered when "${peer.name}" starts`,
      retryable: false,
    };
  }

  async probe(peer: Peer): Promise<ProbeOutcome> {
    const nc = this.#nc;
    const problem = this.#problem();
    if (!nc || problem) return { state: "offline", reason: problem ?? this.#error };
    if (!this.#presence?.member(peer.name)) {
      const waits = this.#durable ? "; messages to it wait in the broker" : "";
      return { state: "offline", reason: `not online in mesh "${this.#o.config.mesh}"${waits}` };
    }
    const started = performance.now();
    try {
      const reply = await nc.request(this.#names.health(peer.name), "", { timeout: 1_500 });
      return probeOutcome(decodeReply(reply.data), peer.name, performance.now() - started);
    } catch (e) {
      return {
        state: "offline",
        reason: `online in presence but not answering: ${(e as Error).message}`,
      };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#cleanups.splice(0)) c();
    this.#durable?.close();
    await this.#presence?.close();
    await this.#nc?.drain().catch(() => this.#nc?.close());
  }
}
