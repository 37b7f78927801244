/**
 * A network test bed (Linux, as root): each host is a network namespace with its own address on
 * a bridge of its own, so nodes and servers talk across real interfaces, never loopback (the
 * namespaces' `lo` stays down). A host's link can be cut and restored (`ip link set … down`).
 * Names and the subnet are random per bed, so test runs side by side never meet, and
 * {@linkcode NetBed.destroy} removes everything (call it in `finally`/`after`).
 *
 * Latency and dropped or stalled connections come from a userspace proxy (`net_proxy.ts`) that
 * listens on the bridge's own address: `tc netem` is not available on these machines.
 *
 * @module
 */

import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import process from "node:process";

function ip(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("ip", args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ip ${args.join(" ")} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * The `skip` option of a test bed test: `false` when namespaces can be made here, else the
 * reason. Under CI (`CI=true`) that is an error unless `.ci/run` said why in
 * `NETNS_UNAVAILABLE`, so the network tests never go missing unnoticed.
 *
 * @throws {Error} under CI when namespaces were expected but cannot be made.
 */
export function netnsSkip(
  env: Record<string, string | undefined> = process.env,
  problem: string | false = netnsProblem(),
): string | false {
  if (!problem) return false;
  if (env.CI === "true" && !env.NETNS_UNAVAILABLE) {
    throw new Error(`network namespaces were expected under CI: ${problem}; see .ci/run`);
  }
  return `network namespaces cannot be made here: ${problem}${
    env.NETNS_UNAVAILABLE ? ` (${env.NETNS_UNAVAILABLE})` : ""
  }`;
}

let checked: string | false | undefined;

function netnsProblem(): string | false {
  if (checked !== undefined) return checked;
  if (process.platform !== "linux") return checked = `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return checked = "not root";
  const name = `twchk${randomBytes(3).toString("hex")}`;
  try {
    execFileSync("ip", ["netns", "add", name], { stdio: "pipe" });
    execFileSync("ip", ["netns", "del", name], { stdio: "pipe" });
    return checked = false;
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    return checked = err.code === "ENOENT"
      ? "the ip command (iproute2) is not installed"
      : `ip netns add failed: ${String(err.stderr ?? e).trim()}`;
  }
}

/** One namespace on the bed. */
export interface NetHost {
  /** The namespace, for `ip netns exec` (NodeOptions.netns, NatsServerOptions.netns). */
  netns: string;
  /** Its address on the bridge. */
  address: string;
  /** The host side of its veth pair (what {@linkcode NetBed.cut} takes down). */
  link: string;
}

/** A bridge and the namespaces on it. */
export class NetBed {
  /** The bridge's own address: the test process (and its proxies) on the bed. */
  readonly gateway: string;
  readonly #id: string;
  readonly #subnet: string;
  readonly #hosts: NetHost[] = [];
  #bridge?: string;

  private constructor() {
    this.#id = randomBytes(3).toString("hex");
    // A random /24 in 10.0.0.0/8, away from the usual 10.0.x networks.
    const [a, b] = randomBytes(2);
    this.#subnet = `10.${100 + (a % 150)}.${b}`;
    this.gateway = `${this.#subnet}.1`;
  }

  /** Makes the bridge, with the gateway address, up. Destroys what it made when it fails. */
  static async create(): Promise<NetBed> {
    const bed = new NetBed();
    try {
      const bridge = `twbr${bed.#id}`;
      await ip("link", "add", bridge, "type", "bridge");
      bed.#bridge = bridge;
      await ip("addr", "add", `${bed.gateway}/24`, "dev", bridge);
      await ip("link", "set", bridge, "up");
    } catch (e) {
      await bed.destroy();
      throw e;
    }
    return bed;
  }

  /** Adds a namespace with the next address on the bridge. */
  async host(): Promise<NetHost> {
    const n = this.#hosts.length + 2;
    const host: NetHost = {
      netns: `twns${this.#id}${n}`,
      address: `${this.#subnet}.${n}`,
      link: `twv${this.#id}${n}`,
    };
    const inside = `twp${this.#id}${n}`;
    await ip("netns", "add", host.netns);
    this.#hosts.push(host);
    await ip("link", "add", host.link, "type", "veth", "peer", "name", inside);
    await ip("link", "set", inside, "netns", host.netns);
    await ip("link", "set", host.link, "master", this.#bridge!, "up");
    await ip("-n", host.netns, "addr", "add", `${host.address}/24`, "dev", inside);
    await ip("-n", host.netns, "link", "set", inside, "up");
    return host;
  }

  /** Cuts `host` off the bridge: its packets go nowhere until {@linkcode restore}. */
  async cut(host: NetHost): Promise<void> {
    await ip("link", "set", host.link, "down");
  }

  /** Puts `host` back on the bridge. */
  async restore(host: NetHost): Promise<void> {
    await ip("link", "set", host.link, "up");
  }

  /**
   * Removes every namespace (ending what still runs in it), veth pair and the bridge. Never
   * throws: each step is tried. Idempotent.
   */
  async destroy(): Promise<void> {
    for (const host of this.#hosts.splice(0)) {
      const pids = await ip("netns", "pids", host.netns).catch(() => "");
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch { /* already gone */ }
      }
      await ip("link", "del", host.link).catch(() => {});
      await ip("netns", "del", host.netns).catch(() => {});
    }
    if (this.#bridge) await ip("link", "del", this.#bridge).catch(() => {});
    this.#bridge = undefined;
  }
}
