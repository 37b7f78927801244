/**
 * Nodes that belong together: free ports, a shared random secret, and a full mesh of nodes
 * that all know each other, stopped together.
 *
 * @module
 */

import { freePort } from "../../src/platform/runtime.ts";
import { NodeProcess } from "./node_process.ts";

/**
 * `n` distinct TCP ports that were free on 127.0.0.1 a moment ago.
 *
 * Asks {@linkcode freePort} until it has `n` different ones: the OS may hand out a port again
 * once it was released.
 */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** A random secret of 32 hex digits. */
export function randomSecret(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** Starts nodes named `roles`, each with all the others as peers, and connects MCP to each. */
export async function startMesh(
  roles: string[],
  options: {
    secret?: string;
    env?: Record<string, string>;
    /** Extra environment of single nodes, by role. */
    envOf?: Record<string, Record<string, string>>;
  } = {},
): Promise<Mesh> {
  const ports = await freePorts(roles.length);
  const secret = options.secret ?? randomSecret();
  const nodes = roles.map((role, i) =>
    NodeProcess.spawn({
      role,
      port: ports[i],
      secret,
      env: { ...options.env, ...options.envOf?.[role] },
      peers: Object.fromEntries(
        roles.flatMap((r, j) => j === i ? [] : [[r, ports[j]] as [string, number]]),
      ),
    })
  );
  const mesh = new Mesh(nodes, secret);
  try {
    await Promise.all(nodes.map((n) => n.waitListening()));
    await Promise.all(nodes.map((n) => n.connect()));
  } catch (e) {
    await mesh.close();
    throw e;
  }
  return mesh;
}

/** Nodes that belong together; {@linkcode close} stops them all. */
export class Mesh {
  readonly nodes: NodeProcess[];
  readonly secret: string;

  constructor(nodes: NodeProcess[], secret: string) {
    this.nodes = nodes;
    this.secret = secret;
  }

  /** The node with this role. */
  node(role: string): NodeProcess {
    const n = this.nodes.find((n) => n.role === role);
    if (!n) throw new Error(`No node "${role}" in this mesh`);
    return n;
  }

  /** Stops every node (idempotent). */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
