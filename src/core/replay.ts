/**
 * A bounded memory of recently seen ids, each forgotten `ttlMs` after it was first seen. It
 * refuses replayed Standard Webhooks ids and recognises duplicate `message_id`s. Pure: time
 * comes in as an argument, in milliseconds.
 *
 * @module
 */

/**
 * Ids that may be used once (operator request ids): the one question a receiver asks. Kept
 * small so where the ids live (memory, a file) can change behind it.
 */
export interface OnceIds {
  /** True when `id` is new at `nowMs` (and is now remembered), false when it was used. */
  checkAndAdd(id: string, nowMs: number): boolean;
}

/** One remembered id, as persisted: the id and when it is forgotten (Unix milliseconds). */
export interface SeenEntry {
  /** The id. */
  id: string;
  /** When it is forgotten, in Unix milliseconds. */
  expiresAt: number;
}

/** Options of {@linkcode SeenIds}. */
export interface SeenIdsOptions {
  /**
   * How long an id is remembered, in milliseconds (> 0). Against replays of signed requests
   * use twice the timestamp tolerance (2 × 300 s = 600,000 ms): a request whose timestamp is
   * 300 s ahead of our clock stays acceptable for 600 s after we first see it.
   */
  ttlMs: number;
  /** Most ids remembered (an integer ≥ 1); past it the oldest is forgotten early. */
  maxSize: number;
}

/**
 * Ids seen within the last `ttlMs`, at most `maxSize` of them. A Map in insertion order (the
 * order of first sight, so of expiry while the clock moves forward): expired ids are dropped
 * from the front as calls come in, and past `maxSize` the oldest is dropped. Each call is
 * amortised O(1). An id is not refreshed when seen again: it expires `ttlMs` after first sight.
 *
 * Add ids only after the request is authenticated, or anyone could fill the memory; size
 * `maxSize` above what the rate limits let through in `ttlMs`, since an id dropped early can be
 * replayed.
 *
 * @throws {RangeError} from the constructor on a `ttlMs` that is not above 0 or a `maxSize`
 *   that is not an integer ≥ 1.
 *
 * @example
 * ```ts
 * const replays = new SeenIds({ ttlMs: 600_000, maxSize: 100_000 });
 * const fresh = replays.checkAndAdd("msg_1", Date.now()); // true
 * const again = replays.checkAndAdd("msg_1", Date.now()); // false: answer "duplicate"
 * ```
 */
export class SeenIds implements OnceIds {
  readonly #ttlMs: number;
  readonly #maxSize: number;
  /** id → expiry time in ms. */
  readonly #expiries = new Map<string, number>();

  /**
   * Makes an empty memory.
   *
   * @param options `{ttlMs, maxSize}`.
   * @throws {RangeError} on a bad option, naming it.
   */
  constructor(options: SeenIdsOptions) {
    const { ttlMs, maxSize } = options;
    if (!(Number.isFinite(ttlMs) && ttlMs > 0)) {
      throw new RangeError(`Cannot remember ids: ttlMs must be above 0, got ${ttlMs}`);
    }
    if (!(Number.isSafeInteger(maxSize) && maxSize >= 1)) {
      throw new RangeError(`Cannot remember ids: maxSize must be an integer ≥ 1, got ${maxSize}`);
    }
    this.#ttlMs = ttlMs;
    this.#maxSize = maxSize;
  }

  /** How long an id is remembered, in milliseconds. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** How many ids are remembered (expired ones may linger until the next call). */
  get size(): number {
    return this.#expiries.size;
  }

  /** True when `id` was seen less than `ttlMs` before `nowMs`. */
  has(id: string, nowMs: number): boolean {
    this.#prune(nowMs);
    const expiry = this.#expiries.get(id);
    return expiry !== undefined && expiry > nowMs;
  }

  /**
   * Remembers `id` as seen at `nowMs`, unless it is already remembered (its expiry stays).
   *
   * @returns true when `id` is new, false when it was seen within `ttlMs`.
   */
  checkAndAdd(id: string, nowMs: number): boolean {
    if (this.has(id, nowMs)) return false;
    const expiries = this.#expiries;
    expiries.delete(id);
    expiries.set(id, nowMs + this.#ttlMs);
    if (expiries.size > this.#maxSize) expiries.delete(expiries.keys().next().value!);
    return true;
  }

  /** Forgets `id`, so it may be used again (a request that was not taken after all). */
  forget(id: string): void {
    this.#expiries.delete(id);
  }

  /** The ids remembered at `nowMs`, oldest first, with their expiry. */
  entries(nowMs: number): SeenEntry[] {
    this.#prune(nowMs);
    return [...this.#expiries].map(([id, expiresAt]) => ({ id, expiresAt }));
  }

  /** Restores persisted ids that have not expired at `nowMs` (their expiry kept). */
  load(entries: Iterable<SeenEntry>, nowMs: number): void {
    const live = [...entries].filter((e) => e.expiresAt > nowMs)
      .sort((a, b) => a.expiresAt - b.expiresAt).slice(-this.#maxSize);
    for (const e of live) {
      this.#expiries.delete(e.id);
      this.#expiries.set(e.id, Math.min(e.expiresAt, nowMs + this.#ttlMs));
    }
  }

  /** Drops expired ids from the front; stops at the first live one. */
  #prune(nowMs: number): void {
    for (const [id, expiry] of this.#expiries) {
      if (expiry > nowMs) return;
      this.#expiries.delete(id);
    }
  }
}
