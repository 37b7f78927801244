/**
 * An HTTP proxy on 127.0.0.1 that makes the node behind it look as if its clock ran
 * `skewSeconds` ahead: the `Date` of each answer is shifted forward and each signed request's
 * `webhook-timestamp` backward, as that node would see our time.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createServer, type Server } from "node:http";

/** A clock-shifting proxy in front of `http://127.0.0.1:<target>`. */
export class SkewProxy {
  readonly port: number;
  #server: Server;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  /** Starts the proxy on a free port. */
  static start(target: number, skewSeconds: number): Promise<SkewProxy> {
    const server = createServer(async (req, res) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string" && name !== "host") headers[name] = value;
      }
      if (headers["webhook-timestamp"]) {
        headers["webhook-timestamp"] = String(Number(headers["webhook-timestamp"]) - skewSeconds);
      }
      const chunks: Uint8Array[] = [];
      for await (const chunk of req) chunks.push(chunk);
      const body = req.method === "GET" || req.method === "HEAD"
        ? undefined
        : Buffer.concat(chunks);
      try {
        const answer = await fetch(`http://127.0.0.1:${target}${req.url}`, {
          method: req.method,
          headers,
          body,
        });
        const out: Record<string, string> = {};
        answer.headers.forEach((value, name) => out[name] = value);
        const date = Date.parse(out.date ?? new Date().toUTCString());
        out.date = new Date(date + skewSeconds * 1000).toUTCString();
        delete out["content-length"];
        delete out["transfer-encoding"];
        res.writeHead(answer.status, out);
        res.end(Buffer.from(await answer.arrayBuffer()));
      } catch {
        res.writeHead(502).end();
      }
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        resolve(new SkewProxy(server, (server.address() as { port: number }).port));
      });
    });
  }

  /** Stops the proxy and drops its connections. */
  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
