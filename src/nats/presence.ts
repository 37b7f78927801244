/**
 * Presence in a JetStream key-value bucket: each live node owns the key of its role, created
 * with `create` (so a second session cannot take a live role) and refreshed by heartbeats
 * with compare-and-set; the bucket's TTL (max age) removes the key of a node that died. A
 * watch keeps every node's view of the members current.
 *
 * @module
 */

import type { KeyCard } from "../core/node_key.ts";
import type { KV, KvEntry, Kvm, KvOptions } from "@nats-io/kv";
import { brokerRoleProblem } from "../core/names.ts";
import type { Logger } from "../platform/log.ts";
import { errorText, throttledLog } from "./log_once.ts";

/**
 * Creates bucket `name`, or opens it when it exists with other settings (another node's
 * INTERCOM_NATS_PRESENCE_TTL): the first node's settings win.
 */
export async function openBucket(kvm: Kvm, name: string, opts: Partial<KvOptions>): Promise<KV> {
  try {
    return await kvm.create(name, opts);
  } catch {
    // Usually "exists with other settings"; when JetStream is missing, open throws the real reason.
    return await kvm.open(name);
  }
}

/** The value a node keeps under its role. */
export interface PresenceValue {
  role: string;
  /** Random id of this process, to tell two sessions of one role apart. */
  instance: string;
  version: string;
  started_at: string;
  /** The node's key card (nodes with keys): its public keys, signed for its role. */
  key_card?: KeyCard;
}

/** A member as the watch last saw it. */
export interface Member {
  role: string;
  value: PresenceValue;
  /** Server time of its last heartbeat, ms since the epoch. */
  seenAt: number;
}

/** Options for {@linkcode Presence}. */
export interface PresenceOptions {
  kv: KV;
  /** Bucket without TTL that remembers every role (durable mode), if any. */
  roster?: KV;
  value: PresenceValue;
  ttlMs: number;
  /** Called once each time this node obtains its role (start, or after a conflict ends). */
  onClaimed: () => Promise<void> | void;
  /** Called when the role is held by another session, with a sentence saying so. */
  onConflict: (message: string) => void;
  /** Where failures of heartbeats and watches are said (each kind at most once a minute). */
  log: Logger;
  now?: () => number;
  /**
   * Whether an entry (presence or roster) may stand for its role: its key card must match the
   * role's pin (`Privacy.learn`). An entry refused is no member.
   */
  accept?: (role: string, card: unknown) => boolean;
}

/** One node's presence: its claim, heartbeats and the live members it sees. */
export class Presence {
  #o: PresenceOptions;
  #members = new Map<string, Member>();
  #known = new Set<string>();
  #revision?: number;
  #conflict?: string;
  #timer?: ReturnType<typeof setInterval>;
  #stops: (() => void)[] = [];
  /** Stops the presence watch's iterator, which the watch loop then starts again. */
  #rewatch?: () => void;
  /** When the presence watch last showed our own heartbeat, when we last beat, and started. */
  #ownSeenAt = 0;
  #beatAt = 0;
  #startedAt = 0;
  #closed = false;
  #say: (key: string, line: string) => void;

  constructor(options: PresenceOptions) {
    this.#o = options;
    this.#say = throttledLog(options.log);
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  /** Claims the role, starts heartbeats (a third of the TTL) and the watches. */
  async start(): Promise<void> {
    this.#startedAt = this.#now();
    this.#rewatch = await this.#watch(this.#o.kv, "presence", (e) => this.#seen(e));
    if (this.#o.roster) {
      await this.#watch(this.#o.roster, "roster", (e) => this.#rostered(e));
    }
    await this.#beat();
    this.#timer = setInterval(() => {
      this.#checkWatch();
      this.#beat().catch((e) =>
        this.#say("beat", `warning: NATS presence heartbeat failed: ${errorText(e)}`)
      );
    }, this.#o.ttlMs / 3);
  }

  /**
   * Restarts the presence watch when it stopped showing our own heartbeats: a watch whose
   * consumer was lost while the connection moved to another server may stall without ending,
   * and the view of the members would expire into "nobody is online".
   */
  #checkWatch(): void {
    const last = Math.max(this.#ownSeenAt, this.#startedAt);
    if (this.#beatAt > last && this.#now() - last > this.#o.ttlMs / 2) {
      this.#ownSeenAt = this.#now(); // one restart per stall, not one per heartbeat
      this.#rewatch?.();
    }
  }

  /**
   * Watches `kv` for as long as this presence lives: a watch that ends (its consumer lost while
   * the connection moved to another server) is started again, so the view of the members never
   * freezes and expires into "nobody is online".
   */
  async #watch(kv: KV, what: string, on: (e: KvEntry) => void): Promise<() => void> {
    let it = await kv.watch({ key: ">" });
    this.#stops.push(() => it.stop());
    const restart = () => it.stop();
    (async () => {
      while (!this.#closed) {
        try {
          for await (const e of it) on(e);
        } catch (e) {
          this.#say(what, `warning: watching the ${what} bucket stopped: ${errorText(e)}`);
        }
        if (this.#closed) return;
        await new Promise((r) => setTimeout(r, 1_000));
        try {
          if (!this.#closed) it = await kv.watch({ key: ">" });
        } catch (e) {
          this.#say(what, `warning: cannot watch the ${what} bucket again yet: ${errorText(e)}`);
        }
      }
    })();
    return restart;
  }

  /** A roster entry: the role is known, and its key card (if any) is learned. */
  #rostered(e: KvEntry): void {
    if (!isRole(e.key) || e.operation !== "PUT") return;
    this.#known.add(e.key);
    try {
      this.#accepts(e.key, e.json<{ key_card?: unknown }>() ?? {});
    } catch { /* an entry of an earlier version, not JSON: a name only */ }
  }

  #seen(e: KvEntry): void {
    // A key that is no role of ours (written by hand, "x.health") must never become a subject.
    if (!isRole(e.key)) return;
    if (e.operation !== "PUT") return void this.#members.delete(e.key);
    try {
      const value = e.json<PresenceValue>();
      if (typeof value?.instance !== "string") return;
      if (!this.#accepts(e.key, value)) return void this.#members.delete(e.key);
      this.#members.set(e.key, { role: e.key, value, seenAt: e.created.getTime() });
      if (e.key === this.#o.value.role && value.instance === this.#o.value.instance) {
        this.#ownSeenAt = this.#now();
      }
    } catch { /* a value that is not JSON is not one of our nodes: not a member */ }
  }

  /** Whether an entry may stand for `role` (ours always does). */
  #accepts(role: string, value: { key_card?: unknown }): boolean {
    return role === this.#o.value.role || (this.#o.accept?.(role, value.key_card) ?? true);
  }

  #payload(): string {
    return JSON.stringify(this.#o.value);
  }

  /** One heartbeat: refresh our key, or try to claim it while another session holds it. */
  async #beat(): Promise<void> {
    if (this.#closed) return;
    const { kv, value } = this.#o;
    if (this.#revision !== undefined) {
      try {
        this.#revision = await kv.update(value.role, this.#payload(), this.#revision);
        this.#beatAt = this.#now();
        return;
      } catch {
        // Our key expired (a long pause) and someone else may have it: claim again below.
        this.#revision = undefined;
      }
    }
    try {
      this.#revision = await kv.create(value.role, this.#payload());
    } catch (createError) {
      // Someone holds the key, or the server did not answer: then get fails too, and the
      // caller says why (the next heartbeat tries again).
      const held = await kv.get(value.role).catch(() => {
        throw createError;
      });
      if (held?.operation === "PUT") {
        const other = this.#parse(held);
        if (other?.instance === value.instance) {
          this.#revision = held.revision;
        } else {
          return this.#conflicted(held, other);
        }
      } else {
        return; // Deleted between our calls: the next heartbeat claims it.
      }
    }
    // Newly claimed (at start, or after another session let the role go).
    this.#conflict = undefined;
    const entry = { first_seen: value.started_at, key_card: value.key_card };
    await this.#o.roster?.put(value.role, JSON.stringify(entry))
      .catch((e) => this.#say("roster", `warning: cannot add "${value.role}" to the roster: ${e}`));
    await this.#o.onClaimed();
  }

  #parse(e: KvEntry): PresenceValue | undefined {
    try {
      return e.json<PresenceValue>();
    } catch {
      return undefined; // Not JSON: the holder is unknown, the conflict message says less.
    }
  }

  #conflicted(held: KvEntry, other: PresenceValue | undefined): void {
    const age = Math.max(0, Math.round((this.#now() - held.created.getTime()) / 1000));
    const message = `role "${this.#o.value.role}" is already live in this mesh (another ` +
      `session${other ? ` started ${other.started_at}` : ""}, last heartbeat ${age} s ago): ` +
      "this session receives no messages while it lasts, and takes the role over when it " +
      `ends (within ${Math.round(this.#o.ttlMs / 1000)} s if it died). Close the other ` +
      "session or choose another MY_ROLE";
    if (this.#conflict === undefined) this.#o.onConflict(message);
    this.#conflict = message;
  }

  /** Why this session does not hold its role, if it does not. */
  get conflict(): string | undefined {
    return this.#conflict;
  }

  /** Whether this session holds its role. */
  get claimed(): boolean {
    return this.#revision !== undefined;
  }

  /** The live member of `role` (heartbeat within the TTL), if any. */
  member(role: string): Member | undefined {
    const m = this.#members.get(role);
    return m && this.#now() - m.seenAt < this.#o.ttlMs ? m : undefined;
  }

  /** Live roles other than ours, sorted. */
  live(): string[] {
    return [...this.#members.keys()]
      .filter((r) => r !== this.#o.value.role && this.member(r))
      .sort();
  }

  /** Every role the roster knows (durable mode) or live, other than ours, sorted. */
  known(): string[] {
    const all = new Set([...this.#known, ...this.live()]);
    all.delete(this.#o.value.role);
    return [...all].sort();
  }

  /** Stops heartbeats and watches and gives the role up, so peers see us leave at once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const stop of this.#stops) stop();
    if (this.#revision !== undefined) {
      // Best effort: if it fails (closing connection), the key expires with the TTL anyway.
      await this.#o.kv.delete(this.#o.value.role, { previousSeq: this.#revision }).catch(() => {});
    }
  }
}

const isRole = (key: string) => brokerRoleProblem(key) === undefined;
