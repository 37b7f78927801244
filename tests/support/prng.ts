/**
 * A small seeded pseudo-random generator for reproducible fuzz tests (sfc32, seeded through
 * splitmix32). Not for anything secret.
 *
 * @module
 */

import process from "node:process";

/** A 32-bit seed from `FUZZ_SEED` (decimal or 0x hex), else a fresh random one. */
export function fuzzSeed(): number {
  const text = process.env.FUZZ_SEED?.trim();
  if (text) {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`FUZZ_SEED "${text}" is not a number`);
    return n >>> 0;
  }
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** A deterministic random source: the same seed gives the same sequence. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)];
  }

  /** An index chosen with the given weights. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A string of `n` characters drawn from `alphabet`. */
  string(n: number, alphabet: string): string {
    const chars = Array.from(alphabet);
    let out = "";
    for (let i = 0; i < n; i++) out += chars[Math.floor(this.float() * chars.length)];
    return out;
  }

  /** A derived generator (for sub-streams that must not shift the main sequence). */
  fork(): Prng {
    return new Prng(this.u32());
  }
}
