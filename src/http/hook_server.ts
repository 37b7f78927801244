/**
 * The node's loopback listener for hook waiters (`claude-talkie-walkie hook`), apart from the
 * mesh listener so that nodes on fixed ports, on `0.0.0.0` or in broker mode all have one.
 *
 * - `POST /hook/wait` (hook input JSON: `session_id`, `cwd`, `hook_event_name`): a long poll
 *   that ends with `{"kind":"messages","claim","text","count"}`, `{"kind":"superseded"}` or
 *   `{"kind":"closed"}`.
 * - `POST /hook/confirm` `{"claim"}`: the waiter printed those messages.
 *
 * Both need `Authorization: Bearer <token>`, the token of this node's hook entry (a file only
 * this user can read); anything else is 401.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { Waiters } from "../node/waiters.ts";

/** A listening hook server. */
export interface HookServer {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** Ends waiting waiters (`closed`) and stops listening. */
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function bodyOf(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("Body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"));
      } catch {
        reject(new Error("Body is not valid JSON"));
      }
    });
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function authorized(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(String(req.headers.authorization ?? ""));
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Serves `waiters` on `127.0.0.1` (a free port) for waiters that send `token`.
 *
 * @param onAttach called with each waiter's hook input (for the log and `doctor`).
 */
export function serveHooks(
  waiters: Waiters,
  token: string,
  onAttach?: (input: { session_id?: string; hook_event_name?: string }) => void,
): Promise<HookServer> {
  const server = createServer(async (req, res) => {
    if (req.method !== "POST" || !authorized(req, token)) {
      req.resume();
      return send(res, req.method !== "POST" ? 405 : 401, {
        ok: false,
        error: req.method !== "POST" ? "Use POST" : "Wrong or missing hook token",
      });
    }
    let body: Record<string, unknown>;
    try {
      body = (await bodyOf(req) ?? {}) as Record<string, unknown>;
    } catch (e) {
      return send(res, 400, { ok: false, error: (e as Error).message });
    }
    if (req.url === "/hook/confirm") {
      const ok = typeof body.claim === "string" && waiters.confirm(body.claim);
      return send(res, ok ? 200 : 409, ok ? { ok } : { ok, error: "Unknown or expired claim" });
    }
    if (req.url !== "/hook/wait") return send(res, 404, { ok: false, error: "No such route" });
    const session = typeof body.session_id === "string" ? body.session_id.slice(0, 200) : "";
    onAttach?.({ session_id: session, hook_event_name: String(body.hook_event_name ?? "") });
    const { result, cancel } = waiters.wait(session);
    // The waiter went away (its session ended, it was killed): it no longer waits.
    res.on("close", cancel);
    const r = await result;
    send(res, 200, { ok: true, ...r });
  });
  // A long poll lasts as long as the session is idle.
  server.requestTimeout = 0;
  server.headersTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            waiters.close();
            server.close(() => done());
            server.closeAllConnections?.();
          }),
      });
    });
  });
}
