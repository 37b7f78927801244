/**
 * A token bucket per key (a sender's name on `/message`, a peer's name for the send-side loop
 * guard), with bounded memory. Pure: time comes in as an argument, in milliseconds.
 *
 * @module
 */

/** Options of {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Sustained rate: tokens added per minute (> 0, fractions allowed). */
  perMinute: number;
  /** Bucket size: how many may go at once after a quiet spell (an integer ≥ 1). */
  burst: number;
  /** Most keys remembered (an integer ≥ 1); default 10,000. */
  maxKeys?: number;
}

/** The outcome of {@linkcode RateLimiter.take}. */
export type TakeResult =
  | { ok: true }
  | {
    ok: false;
    /** Whole seconds (≥ 1, rounded up) until one token is back: the `Retry-After` value. */
    retryAfterSeconds: number;
  };

/** One token, in the bucket's integer unit: a token is 60,000 units, a refill `perMinute`/ms. */
const TOKEN = 60_000;

interface Bucket {
  /** Units in the bucket at `atMs`. */
  units: number;
  atMs: number;
}

/**
 * Token buckets keyed by string. Each key starts with `burst` tokens; each accepted call takes
 * one; tokens come back at `perMinute` a minute, up to `burst`. So after a quiet spell `burst`
 * calls pass at once, then one every `60 / perMinute` seconds; over any span of `t` seconds at
 * most `burst + perMinute * t / 60` pass.
 *
 * - `/message` flood guard: `{perMinute: 60, burst: 10}`.
 * - Send-side loop guard, one key per peer: `{perMinute: 20, burst: 20}` lets 20 go at once,
 *   then one every 3 s, and a refusal's `retryAfterSeconds` says when the next may go.
 *
 * Memory: at most `maxKeys` buckets. Keys are kept least recently used first; past the bound the
 * least recently used bucket is dropped (the idlest, normally already full again, so nothing is
 * lost; under a flood of more than `maxKeys` distinct keys that key starts afresh). Each call is
 * O(1). A clock that goes back is treated as no time passing.
 *
 * @throws {RangeError} from the constructor on a non-positive rate, or a burst or maxKeys that
 *   is not an integer ≥ 1.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ perMinute: 60, burst: 10 });
 * const result = limiter.take("frontend", Date.now());
 * const answer = result.ok ? new Response("ok") : Response.json(
 *   { ok: false, error: "Too many messages" },
 *   { status: 429, headers: { "retry-after": String(result.retryAfterSeconds) } },
 * );
 * ```
 */
export class RateLimiter {
  readonly #perMinute: number;
  readonly #capacity: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  /**
   * Makes an empty set of buckets.
   *
   * @param options `{perMinute, burst, maxKeys?}`.
   * @throws {RangeError} on a bad option, naming it.
   */
  constructor(options: RateLimiterOptions) {
    const { perMinute, burst, maxKeys = 10_000 } = options;
    if (!(Number.isFinite(perMinute) && perMinute > 0)) {
      throw new RangeError(`Cannot limit rate: perMinute must be above 0, got ${perMinute}`);
    }
    if (!(Number.isSafeInteger(burst) && burst >= 1)) {
      throw new RangeError(`Cannot limit rate: burst must be an integer ≥ 1, got ${burst}`);
    }
    if (!(Number.isSafeInteger(maxKeys) && maxKeys >= 1)) {
      throw new RangeError(`Cannot limit rate: maxKeys must be an integer ≥ 1, got ${maxKeys}`);
    }
    this.#perMinute = perMinute;
    this.#capacity = burst * TOKEN;
    this.#maxKeys = maxKeys;
  }

  /** How many keys are remembered now. */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Takes one token from `key`'s bucket at time `nowMs` (milliseconds, e.g. `Date.now()`).
   *
   * @returns `{ok: true}` when a token was taken, else `{ok: false, retryAfterSeconds}` (an
   *   integer ≥ 1) and nothing is taken.
   */
  take(key: string, nowMs: number): TakeResult {
    const buckets = this.#buckets;
    const bucket = buckets.get(key) ?? { units: this.#capacity, atMs: nowMs };
    const elapsed = Math.max(0, nowMs - bucket.atMs);
    bucket.units = Math.min(this.#capacity, bucket.units + elapsed * this.#perMinute);
    bucket.atMs = Math.max(bucket.atMs, nowMs);
    // Re-insert so the Map stays in least-recently-used order.
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > this.#maxKeys) buckets.delete(buckets.keys().next().value!);

    if (bucket.units >= TOKEN) {
      bucket.units -= TOKEN;
      return { ok: true };
    }
    const waitMs = (TOKEN - bucket.units) / this.#perMinute;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Forgets `key` (its next call starts with a full bucket). */
  delete(key: string): boolean {
    return this.#buckets.delete(key);
  }
}

/**
 * At most `limit` calls per key in any sliding window of `windowMs` (the send-side loop guard:
 * "no more than 20 messages a minute to one peer", exactly). Keeps the last `limit` times per
 * key, so memory is `limit` numbers per key; time comes in as an argument, in milliseconds.
 *
 * @throws {RangeError} from the constructor on a limit that is not an integer ≥ 1.
 */
export class WindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #times = new Map<string, number[]>();

  constructor(options: { limit: number; windowMs?: number }) {
    if (!(Number.isSafeInteger(options.limit) && options.limit >= 1)) {
      throw new RangeError(`Cannot limit: limit must be an integer ≥ 1, got ${options.limit}`);
    }
    this.#limit = options.limit;
    this.#windowMs = options.windowMs ?? 60_000;
  }

  /** Counts a call for `key` at `nowMs` if the window allows it; else when the next may go. */
  take(key: string, nowMs: number): TakeResult {
    const times = this.#times.get(key) ?? [];
    while (times.length && times[0] <= nowMs - this.#windowMs) times.shift();
    if (times.length >= this.#limit) {
      const waitMs = times[0] + this.#windowMs - nowMs;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    times.push(nowMs);
    this.#times.set(key, times);
    return { ok: true };
  }
}
