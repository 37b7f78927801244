/**
 * A userspace TCP proxy for the network test bed: it listens on one address and forwards every
 * connection to a target, delaying each chunk by a one-way latency in both directions (order
 * kept), and can stall the link (hold every byte until released) or drop it (reset every
 * connection and refuse new ones). It stands in for `tc netem`, which these machines lack.
 *
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";
import { connect } from "node:net";

/** Options for {@linkcode NetProxy.start}. */
export interface NetProxyOptions {
  /** Where it listens: an address the clients can reach (the bed's gateway). */
  host: string;
  /** What it forwards to. */
  target: { host: string; port: number };
  /** Added to every chunk, each way, in milliseconds (default 0). */
  latencyMs?: number;
}

/** How the link behaves now. */
export type LinkMode = "open" | "stall" | "drop";

/** A TCP proxy with latency, stalls and drops. */
export class NetProxy {
  readonly host: string;
  readonly port: number;
  /** Connections it accepted so far. */
  accepted = 0;
  #server: Server;
  #sockets = new Set<Socket>();
  #mode: LinkMode = "open";
  #held: (() => void)[] = [];
  #latencyMs: number;

  private constructor(server: Server, host: string, port: number, latencyMs: number) {
    this.#server = server;
    this.host = host;
    this.port = port;
    this.#latencyMs = latencyMs;
  }

  /** Starts the proxy on a free port of `options.host`. */
  static start(options: NetProxyOptions): Promise<NetProxy> {
    let proxy: NetProxy;
    const server = createServer((client) => proxy.#accept(client, options.target));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, options.host, () => {
        const port = (server.address() as { port: number }).port;
        proxy = new NetProxy(server, options.host, port, options.latencyMs ?? 0);
        resolve(proxy);
      });
    });
  }

  /** `host:port`, as PEERS writes an address. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Sets the latency of chunks from now on, in milliseconds. */
  set latencyMs(ms: number) {
    this.#latencyMs = ms;
  }

  /**
   * `stall`: bytes are held (connections stay open, nothing moves); `drop`: every connection
   * is reset and new ones are closed at once; `open`: normal, releasing what a stall held.
   */
  set mode(mode: LinkMode) {
    this.#mode = mode;
    if (mode === "drop") { for (const s of this.#sockets) s.resetAndDestroy(); }
    if (mode === "open") { for (const release of this.#held.splice(0)) release(); }
  }

  #accept(client: Socket, target: { host: string; port: number }): void {
    this.accepted++;
    if (this.#mode === "drop") return void client.resetAndDestroy();
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s));
      s.on("error", () => {/* the other side is closed below */});
    }
    this.#pipe(client, upstream);
    this.#pipe(upstream, client);
  }

  /** Forwards `from` to `to` chunk by chunk, in order, each after the latency (and any stall). */
  #pipe(from: Socket, to: Socket): void {
    let chain = Promise.resolve();
    const later = (run: () => void) => {
      chain = chain.then(() =>
        new Promise<void>((resolve) => {
          const go = () => {
            if (this.#mode === "stall") return void this.#held.push(go);
            run();
            resolve();
          };
          if (this.#latencyMs > 0) setTimeout(go, this.#latencyMs);
          else go();
        })
      );
    };
    from.on("data", (chunk) => later(() => to.destroyed || to.write(chunk)));
    from.on("end", () => later(() => to.end()));
    from.on("close", () => later(() => to.destroy()));
  }

  /** Closes the listener and every connection. Idempotent. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    for (const release of this.#held.splice(0)) release();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
