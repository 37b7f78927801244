/**
 * Throttling of failed authentication per source address, against secret guessing: each 401
 * (and each signed `/health` probe whose signature does not verify) takes a token from the
 * source's bucket; a source with an empty bucket is refused with 429 before anything is
 * checked, so it learns nothing about its guesses until tokens come back. Repeated failures
 * are logged once per source and minute. Time comes in as an argument, in milliseconds.
 *
 * @module
 */

import { RateLimiter } from "../core/rate_limit.ts";

/** Options of {@linkcode AuthThrottle}. */
export interface AuthThrottleOptions {
  /** Failed authentications a minute per source address (> 0). */
  perMinute: number;
  /** Failures allowed at once before the limit applies (an integer ≥ 1). */
  burst: number;
  /** Receives the once-a-minute warning lines. */
  log?: (line: string) => void;
  /** Most sources remembered (default 10,000); the least recently seen are forgotten first. */
  maxSources?: number;
}

interface Tally {
  /** Start of the current minute of this source, in ms. */
  since: number;
  /** Failures in that minute. */
  count: number;
  /** Whether that minute was logged already. */
  logged: boolean;
}

const MINUTE = 60_000;

/**
 * Failed authentications per source address.
 *
 * @example
 * ```ts
 * const throttle = new AuthThrottle({ perMinute: 30, burst: 10, log: console.error });
 * const wait = throttle.blocked("203.0.113.9", Date.now()); // undefined: go on
 * throttle.failed("203.0.113.9", "wrong X-Intercom-Secret", Date.now());
 * ```
 */
export class AuthThrottle {
  readonly #limiter: RateLimiter;
  readonly #o: AuthThrottleOptions;
  readonly #tallies = new Map<string, Tally>();
  /** Sources whose bucket is empty, with the time they may try again (ms). */
  readonly #until = new Map<string, number>();

  /**
   * Makes an empty throttle.
   *
   * @throws {RangeError} from `RateLimiter` on a `perMinute` that is not above 0 or a `burst`
   *   that is not an integer ≥ 1.
   */
  constructor(options: AuthThrottleOptions) {
    this.#o = options;
    this.#limiter = new RateLimiter({
      perMinute: options.perMinute,
      burst: options.burst,
      maxKeys: options.maxSources,
    });
  }

  /**
   * Whether `source` must wait before it may try to authenticate again.
   *
   * @returns the whole seconds to wait (the `Retry-After` value), or undefined to go on.
   */
  blocked(source: string, nowMs: number): number | undefined {
    const until = this.#until.get(source);
    if (until === undefined) return undefined;
    if (until <= nowMs) {
      this.#until.delete(source);
      return undefined;
    }
    return Math.max(1, Math.ceil((until - nowMs) / 1000));
  }

  /**
   * Counts one failed authentication of `source` (`reason` goes into the log line, so it must
   * not contain the secret: the handler's reasons never do).
   */
  failed(source: string, reason: string, nowMs: number): void {
    const taken = this.#limiter.take(source, nowMs);
    if (!taken.ok) {
      // Bounded like the limiter: the oldest entry goes first.
      this.#until.delete(source);
      this.#until.set(source, nowMs + taken.retryAfterSeconds * 1000);
      if (this.#until.size > (this.#o.maxSources ?? 10_000)) {
        this.#until.delete(this.#until.keys().next().value!);
      }
    }
    let tally = this.#tallies.get(source);
    if (!tally || nowMs - tally.since >= MINUTE) {
      tally = { since: nowMs, count: 0, logged: false };
    }
    this.#tallies.delete(source);
    this.#tallies.set(source, tally);
    if (this.#tallies.size > (this.#o.maxSources ?? 10_000)) {
      this.#tallies.delete(this.#tallies.keys().next().value!);
    }
    tally.count++;
    if (tally.count >= 2 && !tally.logged) {
      tally.logged = true;
      this.#o.log?.(
        `warning: repeated failed authentication from ${source} (${reason}); beyond ` +
          `${this.#o.burst} failures it is refused with 429 and may try ${this.#o.perMinute} ` +
          "times a minute. Logged once per source and minute",
      );
    }
  }
}
