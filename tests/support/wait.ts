/**
 * Bounded waiting for the end-to-end tests: every wait names what it waited for, so a timeout
 * says what never happened.
 *
 * @module
 */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `check` every 10 ms until it returns something other than `undefined`/`false`.
 *
 * @throws {Error} naming `what` after `timeoutMs`.
 */
export async function waitFor<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await sleep(10);
  }
}
