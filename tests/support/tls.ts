/**
 * Test certificates: a throwaway certificate authority and a server certificate it signed for
 * `localhost` and `127.0.0.1`, made with the `openssl` CLI in a temporary directory.
 *
 * @module
 */

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCertificates } from "./certs.mjs";

/** PEM files made by {@linkcode createTlsFixture}, and how to remove them. */
export interface TlsFixture {
  /** The temporary directory that holds every file. */
  dir: string;
  /** The CA certificate (PEM): what a client trusts, e.g. `INTERCOM_CA`. */
  caPath: string;
  /** The server certificate (PEM), for `INTERCOM_TLS_CERT`. */
  certPath: string;
  /** The server's private key (PEM, PKCS#8), for `INTERCOM_TLS_KEY`. */
  keyPath: string;
  /** The contents of `caPath` (PEM). */
  ca: string;
  /** The contents of `certPath` (PEM). */
  cert: string;
  /** The contents of `keyPath` (PEM). */
  key: string;
  /** Removes `dir` and everything in it. */
  cleanup(): Promise<void>;
}

/**
 * Makes a CA (EC P-256, valid 2 days) and a server certificate signed by it with
 * `subjectAltName = DNS:localhost, IP:127.0.0.1` and `extendedKeyUsage = serverAuth`, in a new
 * temporary directory. Takes about 50 ms.
 *
 * @throws {Error} when `/usr/bin/openssl` is missing or fails (its stderr is in the message).
 *
 * @example
 * ```ts
 * const tls = await createTlsFixture();
 * try {
 *   // serve with tls.cert + tls.key, trust tls.ca in the client
 * } finally {
 *   await tls.cleanup();
 * }
 * ```
 */
export async function createTlsFixture(): Promise<TlsFixture> {
  const dir = await mkdtemp(join(tmpdir(), "talkie-walkie-tls-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const { caPath, certPath, keyPath } = await makeCertificates(dir);
    const [ca, cert, key] = await Promise.all(
      [caPath, certPath, keyPath].map((path) => readFile(path, "utf8")),
    );
    return { dir, caPath, certPath, keyPath, ca, cert, key, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
