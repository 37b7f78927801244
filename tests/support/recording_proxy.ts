/**
 * A recording TCP proxy: peers are pointed at it so a test sees every byte that crosses the
 * wire between nodes, both ways, per connection.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createServer, type Server, Socket } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of `target` that records every byte both ways, per
 * connection. Peers are pointed at it to see what crosses the wire.
 */
export class RecordingProxy {
  readonly port: number;
  /** Client-to-node bytes, one buffer list per connection. */
  readonly upstream: Buffer[][] = [];
  /** Node-to-client bytes, one buffer list per connection. */
  readonly downstream: Buffer[][] = [];
  #server: Server;
  #sockets = new Set<Socket>();

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  /** Starts a proxy on a free port of 127.0.0.1 that relays to `target`. */
  static start(target: number): Promise<RecordingProxy> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const proxy = new RecordingProxy(server, (server.address() as { port: number }).port);
        server.on("connection", (client) => proxy.#relay(client, target));
        resolve(proxy);
      });
    });
  }

  #relay(client: Socket, target: number): void {
    const up: Buffer[] = [];
    const down: Buffer[] = [];
    this.upstream.push(up);
    this.downstream.push(down);
    const node = new Socket();
    this.#sockets.add(client).add(node);
    const end = () => {
      client.destroy();
      node.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(node);
    };
    client.on("data", (d: Buffer) => {
      up.push(d);
      node.write(d);
    });
    node.on("data", (d: Buffer) => {
      down.push(d);
      client.write(d);
    });
    for (const s of [client, node]) {
      s.on("error", end);
      s.on("close", end);
    }
    node.connect(target, "127.0.0.1");
  }

  /** Every byte both ways, as latin1 text. */
  text(): string {
    return [...this.upstream, ...this.downstream].map((c) => Buffer.concat(c).toString("latin1"))
      .join("\n");
  }

  /** The HTTP/1.1 requests sent through the proxy (Content-Length bodies only). */
  requests(): { line: string; headers: Record<string, string>; body: string }[] {
    const out: { line: string; headers: Record<string, string>; body: string }[] = [];
    for (const connection of this.upstream) {
      let data = Buffer.concat(connection);
      for (;;) {
        const head = data.indexOf("\r\n\r\n");
        if (head < 0) break;
        const [line, ...fields] = data.subarray(0, head).toString("latin1").split("\r\n");
        const headers: Record<string, string> = {};
        for (const f of fields) {
          const i = f.indexOf(":");
          headers[f.slice(0, i).trim().toLowerCase()] = f.slice(i + 1).trim();
        }
        const length = Number(headers["content-length"] ?? 0);
        out.push({
          line,
          headers,
          body: data.subarray(head + 4, head + 4 + length).toString("utf8"),
        });
        data = data.subarray(head + 4 + length);
      }
    }
    return out;
  }

  /** Ends every relayed connection and stops listening. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((r) => this.#server.close(r));
  }
}
