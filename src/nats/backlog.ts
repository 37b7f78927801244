/**
 * What a sender knows about its own messages waiting in the broker, so a direct send asks the
 * broker nothing in the common case. A message to a role must go behind the ones this node
 * stored for it earlier (to keep the order), and only this node's stored messages matter for
 * that: the tracker asks the broker once per role (after a start, stored messages of an earlier
 * session may wait), and again only while messages it stored are not yet reported on.
 *
 * @module
 */

/** Stored messages per role, and when the broker must be asked. */
export class BacklogTracker {
  #ask: (role: string) => Promise<number>;
  /** Ids this node stored per role, not yet reported delivered or refused. */
  #pending = new Map<string, Set<string>>();
  /** Roles whose backlog the broker has said is empty since we last stored for them. */
  #clear = new Set<string>();

  /** `ask` counts the messages waiting for a role in the broker (a round trip). */
  constructor(ask: (role: string) => Promise<number>) {
    this.#ask = ask;
  }

  /**
   * How many messages wait for `role` in the broker: 0 without asking when none of ours is
   * pending there; else the broker's count (which also clears what a lost report left behind).
   *
   * @throws what `ask` throws.
   */
  async waiting(role: string): Promise<number> {
    if (this.#clear.has(role)) return 0;
    const n = await this.#ask(role);
    if (n === 0) {
      this.#pending.delete(role);
      this.#clear.add(role);
    }
    return n;
  }

  /** Records that message `id` was stored for `role`. */
  stored(role: string, id: string): void {
    this.#clear.delete(role);
    let ids = this.#pending.get(role);
    if (!ids) this.#pending.set(role, ids = new Set());
    ids.add(id);
  }

  /** Records that `role` took (or refused) message `id`; its last one lets sends go direct. */
  settled(role: string, id: string): void {
    const ids = this.#pending.get(role);
    if (!ids?.delete(id) || ids.size > 0) return;
    this.#pending.delete(role);
    this.#clear.add(role);
  }

  /** Ids stored for `role` and not yet reported on. */
  pending(role: string): number {
    return this.#pending.get(role)?.size ?? 0;
  }
}
