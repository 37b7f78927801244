/**
 * Messages a node stored in the broker for an offline role, waiting for the receiver's
 * report. The outbox keeps retrying such a message; each attempt waits here for the report
 * instead of storing the message again.
 *
 * @module
 */

import type { WireReport } from "./nats_durable.ts";
import type { DeliveryOutcome } from "./peer_client.ts";

interface Item {
  report?: WireReport;
  wake?: () => void;
}

/**
 * Stored message ids and their reports.
 *
 * @example
 * ```ts
 * const pending = new PendingReports();
 * pending.add("msg_1");
 * pending.settle({ message_id: "msg_1", peer: "bob", outcome: "delivered", queued_ms: 5 });
 * await pending.wait("msg_1", 1000); // { ok: true, … }
 * ```
 */
export class PendingReports {
  #items = new Map<string, Item>();

  /** Remembers that `id` was stored. */
  add(id: string): void {
    if (!this.#items.has(id)) this.#items.set(id, {});
  }

  /** Whether `id` was stored and has not been settled by a wait yet. */
  has(id: string): boolean {
    return this.#items.has(id);
  }

  /** Records a report; false when the id is not one this node stored (an earlier session's). */
  settle(report: WireReport): boolean {
    const item = this.#items.get(report.message_id);
    if (!item) return false;
    item.report = report;
    item.wake?.();
    return true;
  }

  /**
   * Waits up to `ms` for the report of `id`: delivered or refused by the receiver, or
   * `undefined` when none came in time.
   */
  async wait(id: string, ms: number): Promise<DeliveryOutcome | undefined> {
    const item = this.#items.get(id);
    if (!item) return undefined;
    if (!item.report) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        item.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      item.wake = undefined;
    }
    const r = item.report;
    if (!r) return undefined;
    this.#items.delete(id);
    if (r.outcome === "delivered") return { ok: true, status: 200, latencyMs: r.queued_ms };
    return { ok: false, kind: "refused", reason: r.reason ?? "refused", retryable: false };
  }

  /** Wakes every waiter (shutdown). */
  close(): void {
    for (const item of this.#items.values()) item.wake?.();
  }
}
