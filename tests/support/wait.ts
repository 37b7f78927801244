/**
 * Bounded waiting for the end-to-end tests: every wait names what it waited for, so a timeout
 * says what never happened. Tests wait for an event (a line, an exit, a state), never for a
 * fixed time: the timeout only bounds a wait that fails.
 *
 * @module
 */

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Options for {@linkcode waitFor}. */
export interface WaitOptions {
  /** Give up after this many milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Milliseconds between two checks (default 10). */
  everyMs?: number;
}

/**
 * Checks `check` until it returns something other than `undefined`/`false`, first at once,
 * then every `everyMs`. `check` may be async (an HTTP request, a tool call).
 *
 * @param options the timeout in milliseconds, or {@linkcode WaitOptions}.
 * @throws {Error} naming `what` after the timeout.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  options: number | WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, everyMs = 10 } = typeof options === "number"
    ? { timeoutMs: options }
    : options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await pause(everyMs);
  }
}
