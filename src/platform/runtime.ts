/**
 * The one place for runtime-specific facts: how to start this program again as a child
 * process, under Deno (from source) or Node (from the npm build).
 *
 * @module
 */

import { existsSync } from "node:fs";
import { createServer } from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** True under Deno, false under Node. */
export const isDeno: boolean = "Deno" in globalThis;

/**
 * Where `main` lies from this module: beside the source (`src/platform/` -> `../../main.ts`),
 * or in the npm bundle (`dist/main.js`, beside or above the chunk that holds this code).
 */
const MAIN_CANDIDATES = isDeno ? ["../../main.ts"] : ["./main.js", "../main.js", "../../main.js"];

/**
 * The command and arguments that start this program's CLI in a child process.
 *
 * @returns `deno run -A …/main.ts` from source, `node …/main.js` from the npm build.
 * @throws {Error} when no main file is found beside this module (a broken install).
 */
export function selfCommand(): { command: string; args: string[] } {
  const main = MAIN_CANDIDATES.map((p) => fileURLToPath(new URL(p, import.meta.url)))
    .find((p) => existsSync(p));
  if (!main) {
    throw new Error(
      `Cannot find the main file beside ${import.meta.url}: reinstall claude-talkie-walkie`,
    );
  }
  return isDeno
    ? { command: process.execPath, args: ["run", "-A", main] }
    : { command: process.execPath, args: [main] };
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The fetch a node uses for its peers when no private CA is set. Node: `node:http` with
 * keep-alive connections per peer (`nodeFetch`), a third of the global fetch's CPU per request.
 * Deno: undefined, for its global fetch (native, keep-alive; Deno's `node:http` is built on it).
 */
export async function peerFetch(): Promise<typeof fetch | undefined> {
  if (isDeno) return undefined;
  const { nodeFetch } = await import("./fetch_node.ts");
  return nodeFetch();
}

/**
 * A fetch that also trusts the CA in `caPem` (PEM text), on top of the usual roots, for peers
 * whose certificates a private CA signed (INTERCOM_CA). Deno: `Deno.createHttpClient`. Node: a
 * `node:https` agent whose `ca` list is the bundled roots, `NODE_EXTRA_CA_CERTS` and `caPem` (a
 * `ca` option replaces the roots, which would break public HTTPS peers such as ngrok).
 */
export async function fetchTrusting(caPem: string): Promise<typeof fetch> {
  const deno = (globalThis as {
    Deno?: { createHttpClient(options: { caCerts: string[] }): unknown };
  }).Deno;
  if (deno) {
    const client = deno.createHttpClient({ caCerts: [caPem] });
    return ((input, init) =>
      fetch(input, { ...init, client } as unknown as RequestInit)) as typeof fetch;
  }
  const [{ nodeFetch }, { rootCertificates }, { readFileSync }] = await Promise.all([
    import("./fetch_node.ts"),
    import("node:tls"),
    import("node:fs"),
  ]);
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  return nodeFetch({
    ca: [...rootCertificates, ...(extra ? [readFileSync(extra, "utf8")] : []), caPem],
  });
}
