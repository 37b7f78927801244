/**
 * The web viewer's HTTP server: one fetch-style handler (page, script, style, the one SSE
 * stream, two POST endpoints) behind `guard.ts`, served by the node's own listener (`src/http/serve.ts`) on 127.0.0.1 unless told
 * otherwise. The stream and the actions need the per-run token (a bearer header, or `?token=`
 * for the stream); no cookie is ever set.
 *
 * @module
 */

import { BodyTooLargeError, readLimited } from "../../src/http/body.ts";
import type { HttpRequest } from "../../src/http/request.ts";
import { listen, type Server } from "../../src/http/serve.ts";
import type { ViewerState } from "../model/state.ts";
import { type ActionResult, type OperatorActions, parseMessage, parseVerdict } from "./actions.ts";
import { checkOrigin, checkRequest } from "./guard.ts";
import { PAGE_CSS, PAGE_HTML } from "./page.ts";
import { PAGE_SCRIPT } from "./page_script.ts";
import { changes, snapshot, sseText, type WireInfo } from "./wire.ts";

/** Options for {@linkcode startWebServer}. */
export interface WebServerOptions {
  /** The viewer's current state. */
  state: () => ViewerState;
  /** The per-run token the page must present. */
  token: string;
  /** Address to bind; `127.0.0.1` by default. */
  hostname?: string;
  /** Port; 0 (any free one) by default. */
  port?: number;
  /** The address watched for each desk key, shown on the page. */
  addresses?: Readonly<Record<string, string>>;
  /** Signed operator actions; without them the page is read-only. */
  operator?: OperatorActions;
  /** Told when the operator's verdict was accepted, so the prompt leaves the state at once. */
  onVerdict?: (node: string, requestId: string, behavior: "allow" | "deny") => void;
}

/** A running web viewer. */
export interface WebServer {
  /** Base URL, e.g. `http://127.0.0.1:8790`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Tells the server the state changed; pages get the difference shortly after. */
  changed(): void;
  /** Ends every page's stream and stops listening. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
};

function reply(
  status: number,
  body: string,
  type: string,
  extra: Record<string, string> = {},
): Response {
  return new Response(body, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": type, ...extra },
  });
}

const json = (status: number, value: unknown) =>
  reply(status, JSON.stringify(value), "application/json; charset=utf-8");

/**
 * Starts the web viewer's server.
 *
 * @throws {Error} when it cannot listen (port in use).
 * @example
 * ```ts
 * import { initialState } from "../model/state.ts";
 * const state = initialState(["backend"], Date.now());
 * const server = await startWebServer({ state: () => state, token: "a-random-token" });
 * console.error(`${server.url}/?token=a-random-token`);
 * await server.close();
 * ```
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const info: WireInfo = { addresses: options.addresses, operator: options.operator !== undefined };
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  let port = 0;
  let shown = options.state();
  let pending: ReturnType<typeof setTimeout> | undefined;

  const send = (c: ReadableStreamDefaultController<Uint8Array>, text: string) => {
    try {
      c.enqueue(encoder.encode(text));
    } catch {
      streams.delete(c);
    }
  };
  const flush = () => {
    pending = undefined;
    const now = options.state();
    const text = changes(shown, now, info, Date.now()).map(sseText).join("");
    shown = now;
    if (text) { for (const c of streams) send(c, text); }
  };
  const keepAlive = setInterval(() => {
    for (const c of streams) send(c, ": keep-alive\n\n");
  }, 15_000);

  function events(): Response {
    let me: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        me = c;
        streams.add(c);
        send(c, "retry: 2000\n\n" + sseText(snapshot(options.state(), info, Date.now())));
      },
      // Not request.signal: under Deno.serve listening to it prints a warning.
      cancel() {
        streams.delete(me);
      },
    });
    return new Response(body, {
      headers: { ...SECURITY_HEADERS, "content-type": "text/event-stream; charset=utf-8" },
    });
  }

  async function act(request: HttpRequest, path: string): Promise<Response> {
    if (!(request.headers.get("content-type") ?? "").startsWith("application/json")) {
      return json(415, { ok: false, error: "Send JSON (Content-Type: application/json)" });
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(await readLimited(request.body, 65_536)));
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        return json(413, { ok: false, error: "Body is too large" });
      }
      return json(400, { ok: false, error: "Body is not valid JSON" });
    }
    const operator = options.operator;
    if (!operator) {
      return json(503, {
        ok: false,
        error: "No operator key is configured: start the viewer with one to answer or write",
      });
    }
    const nodes = options.state().desks.filter((d) => d.watched).map((d) => d.key);
    let result: ActionResult;
    if (path === "/api/verdict") {
      const v = parseVerdict(body, nodes);
      if (typeof v === "string") return json(400, { ok: false, error: v });
      result = await operator.verdict(v.node, v.requestId, v.behavior)
        .catch((e) => ({ ok: false, error: (e as Error).message }));
      if (result.ok) options.onVerdict?.(v.node, v.requestId, v.behavior);
    } else {
      const m = parseMessage(body, nodes);
      if (typeof m === "string") return json(400, { ok: false, error: m });
      result = await operator.message(m.to, m.text)
        .catch((e) => ({ ok: false, error: (e as Error).message }));
    }
    return json(result.ok ? 200 : 502, result);
  }

  async function handle(request: HttpRequest): Promise<Response> {
    const guard = {
      token: options.token,
      port,
      hosts: hostname === "127.0.0.1" ? [] : [hostname],
      anyHost: hostname === "0.0.0.0" || hostname === "::",
    };
    const path = new URL(request.url).pathname;
    const route = `${request.method} ${path}`;
    // The page, its script and style hold no data: served to this origin without the token,
    // so a reload works once the page has moved the token from the address bar to its tab.
    const open = route === "GET /" || route === "GET /app.js" || route === "GET /app.css";
    const verdict = open ? checkOrigin(request, guard) : checkRequest(request, guard);
    if (!verdict.ok) return json(verdict.status, { ok: false, error: verdict.error });
    if (route === "GET /") return reply(200, PAGE_HTML, "text/html; charset=utf-8");
    if (route === "GET /app.js") return reply(200, PAGE_SCRIPT, "text/javascript; charset=utf-8");
    if (route === "GET /app.css") return reply(200, PAGE_CSS, "text/css; charset=utf-8");
    if (route === "GET /events") return events();
    if (route === "POST /api/verdict" || route === "POST /api/message") {
      // A token in the address may end up in logs and history: the actions take the header only.
      if (verdict.viaQuery) {
        return json(401, {
          ok: false,
          error: "Send the token in an Authorization: Bearer header, not in the address",
        });
      }
      return await act(request, path);
    }
    return json(404, { ok: false, error: `No route ${route}` });
  }

  let server: Server;
  try {
    server = await listen({ port: options.port ?? 0, hostname }, handle);
  } catch (e) {
    clearInterval(keepAlive);
    throw new Error(`Cannot listen on ${hostname}:${options.port ?? 0}: ${(e as Error).message}`);
  }
  const url = new URL(server.url!);
  port = Number(url.port);
  return {
    url: `http://${url.host}`,
    port,
    changed() {
      pending ??= setTimeout(flush, 30);
    },
    async close() {
      clearInterval(keepAlive);
      clearTimeout(pending);
      for (const c of streams) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      streams.clear();
      await server.close(true);
    },
  };
}
