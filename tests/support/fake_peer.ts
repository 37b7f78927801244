/**
 * A fake peer for end-to-end tests: a tiny `node:http` server on 127.0.0.1 that answers
 * `GET /health` like a node of the given role and `POST /message` as a script says, recording
 * every POST (message id, attempt, status answered, headers, body) so a test can count attempts.
 *
 * @module
 */

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

/** How the fake answers one POST. */
export interface FakeAnswer {
  status: number;
  /** JSON body; `{"ok":true,"message_id":…}` on 2xx by default. */
  body?: unknown;
  /** A body sent as it is (`text/html`), instead of JSON: a web page at a wrong address. */
  raw?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering, in milliseconds (a slow peer). */
  delayMs?: number;
}

/** One POST /message the fake received. */
export interface FakePost {
  /** `message_id` of the JSON body, if any. */
  messageId?: string;
  /** 1 for the first POST with this message id, 2 for the second, … */
  attempt: number;
  /** The status the fake answered. */
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Decides the answer to the `attempt`-th POST of a message id. */
export type FakeScript = (attempt: number, messageId: string | undefined) => FakeAnswer;

/** A fake node. {@linkcode close} it after the test. */
export class FakePeer {
  readonly role: string;
  readonly posts: FakePost[] = [];
  script: FakeScript;
  #server: Server;
  #port = 0;

  /** Whether `/health` advertises Standard Webhooks signatures (false: a v2 node). */
  readonly signatures: boolean;

  private constructor(role: string, script: FakeScript, signatures = true) {
    this.signatures = signatures;
    this.role = role;
    this.script = script;
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, {
            "content-type": "application/json",
            connection: "close",
            ...headers,
          });
          res.end(JSON.stringify(body));
        };
        const path = new URL(req.url ?? "/", "http://x").pathname;
        if (req.method === "GET" && path === "/health") {
          return answer(200, {
            status: "ok",
            role: this.role,
            peers: [],
            version: "x",
            ...(this.signatures ? { signatures: ["v1"] } : {}),
          });
        }
        if (req.method !== "POST" || path !== "/message") {
          return answer(404, { ok: false, error: `no route ${req.method} ${path}` });
        }
        const body = Buffer.concat(chunks).toString("utf8");
        let messageId: string | undefined;
        try {
          const parsed = JSON.parse(body);
          if (typeof parsed?.message_id === "string") messageId = parsed.message_id;
        } catch { /* not JSON: no id */ }
        const attempt = this.posts.filter((p) => p.messageId === messageId).length + 1;
        const a = this.script(attempt, messageId);
        this.posts.push({
          messageId,
          attempt,
          status: a.status,
          headers: req.headers,
          body,
        });
        const fallback = a.status < 300
          ? { ok: true, message_id: messageId }
          : { ok: false, error: `HTTP ${a.status}` };
        const reply = () => {
          if (a.raw === undefined) return answer(a.status, a.body ?? fallback, a.headers);
          res.writeHead(a.status, {
            "content-type": "text/html",
            connection: "close",
            ...a.headers,
          });
          res.end(a.raw);
        };
        if (a.delayMs) setTimeout(reply, a.delayMs);
        else reply();
      });
    });
  }

  /** Starts a fake of `role` on a free port of 127.0.0.1. */
  static async start(
    role: string,
    script: FakeScript,
    options: { signatures?: boolean } = {},
  ): Promise<FakePeer> {
    const fake = new FakePeer(role, script, options.signatures ?? true);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once("error", reject);
      fake.#server.listen(0, "127.0.0.1", () => resolve());
    });
    fake.#port = (fake.#server.address() as { port: number }).port;
    return fake;
  }

  get port(): number {
    return this.#port;
  }

  /** The POSTs that carried `messageId`, in arrival order. */
  postsOf(messageId: string): FakePost[] {
    return this.posts.filter((p) => p.messageId === messageId);
  }

  /** Stops listening and drops open connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      (this.#server as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  }
}
