/**
 * The shape of a memory of recently seen ids, each forgotten a while after it was first seen:
 * it refuses replayed Standard Webhooks ids and operator request ids. The node's store keeps
 * them (`store/ids.ts`), so a restart does not forget. Times are Unix milliseconds.
 *
 * @module
 */

/** Ids that may be used once (operator request ids): the one question a receiver asks. */
export interface OnceIds {
  /** True when `id` is new at `nowMs` (and is now remembered), false when it was used. */
  checkAndAdd(id: string, nowMs: number): boolean;
}

/** Ids seen recently: a replay is refused, a refused request's id is given back. */
export interface SeenIds extends OnceIds {
  /** Whether `id` is remembered at `nowMs`. */
  has(id: string, nowMs: number): boolean;
  /** Forgets `id` (a request refused after its id was taken, so its retry is not a replay). */
  forget(id: string): void;
}
