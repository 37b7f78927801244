/**
 * `viewer --web`: serves the page for the viewer's state instead of drawing the terminal. The
 * sources and {@linkcode update} run here, in the viewer process, exactly as for the terminal;
 * the page only gets the state. A random token per run, printed once as a URL.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import process from "node:process";
import { update, type ViewerState } from "../model/state.ts";
import type { OperatorActions } from "./actions.ts";
import { startWebServer } from "./server.ts";

/** The viewer's state as the sources fold it; `changed` is called after each event. */
export interface LiveView {
  /** The current state. */
  state: ViewerState;
  /** Set by the web viewer: told after every change. */
  changed?: () => void;
}

/** Options for {@linkcode runWeb}. */
export interface WebOptions {
  /** Address to bind: 127.0.0.1 by default; anything else is reachable from elsewhere. */
  host?: string;
  /** Port; 0 (a free one) by default. */
  port?: number;
  /** Signed operator actions; without them prompts are read-only and the composer is off. */
  operator?: OperatorActions;
  /** The address watched for each desk key. */
  addresses?: Readonly<Record<string, string>>;
  /** Stops the server (besides SIGINT and SIGTERM). */
  signal?: AbortSignal;
  /** Called with the URL to open (token included) once listening. */
  onListening?: (url: string) => void;
  /** Writes a line for the person (stderr). */
  log: (line: string) => Promise<void>;
  /** Writes the URL line (stdout). */
  print: (line: string) => Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Serves the web page for `view` until SIGINT, SIGTERM or `options.signal`.
 *
 * @returns the exit code: 0 after a stop, 1 when it cannot listen.
 * @example
 * ```ts
 * import process from "node:process";
 * import { initialState } from "../model/state.ts";
 * const view = { state: initialState(["backend"], Date.now()) };
 * const code = await runWeb(view, {
 *   log: async (line) => void process.stderr.write(line + "\n"),
 *   print: async (line) => void process.stdout.write(line + "\n"),
 * });
 * ```
 */
export async function runWeb(view: LiveView, options: WebOptions): Promise<number> {
  const token = randomBytes(24).toString("base64url");
  const host = options.host ?? "127.0.0.1";
  let server;
  try {
    server = await startWebServer({
      state: () => view.state,
      token,
      hostname: host,
      port: options.port ?? 0,
      addresses: options.addresses,
      operator: options.operator,
      onVerdict: (node, requestId, behavior) => {
        view.state = update(
          view.state,
          { type: "permission_verdict", node, requestId, behavior },
          Date.now(),
        );
        view.changed?.();
      },
    });
  } catch (e) {
    await options.log(`viewer: ${(e as Error).message}: choose another --port`);
    return 1;
  }
  view.changed = () => server.changed();
  let stopped = false;
  let stop = () => {
    stopped = true;
  };
  const onSignal = () => stop();
  // Before the URL is printed: whoever reads it may stop us at once. Removed only after the
  // close: removing a listener while Deno dispatches that very signal leaves it with none,
  // and the process dies of the signal (exit 143) mid-shutdown.
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const shown = LOOPBACK.has(host) || host === "0.0.0.0" || host === "::"
    ? `127.0.0.1:${server.port}`
    : new URL(server.url).host;
  const url = `http://${shown}/?token=${token}`;
  if (!LOOPBACK.has(host)) {
    await options.log(
      `viewer: warning: the page listens on ${host}, not only this machine; anyone who can ` +
        "reach it and learns the token can answer permission prompts",
    );
  }
  await options.log(`viewer: the office is served at the URL below (stop with Ctrl-C)`);
  await options.print(url);
  options.onListening?.(url);
  // Arrows land and old prompts expire even when no event comes.
  const ticker = setInterval(() => {
    const next = update(view.state, { type: "tick" }, Date.now());
    if (next !== view.state) {
      view.state = next;
      server.changed();
    }
  }, 1000);
  await new Promise<void>((resolve) => {
    stop = resolve;
    if (stopped || options.signal?.aborted) resolve();
    options.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  clearInterval(ticker);
  view.changed = undefined;
  await server.close();
  setTimeout(() => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }, 0);
  return 0;
}
