// Test certificates made with the openssl CLI, shared by the Deno tests (tests/_tls.ts) and the
// Node smoke tests (tests/node/tls.test.mjs), so plain JavaScript.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Debian's openssl, which every test machine has. */
export const OPENSSL = "/usr/bin/openssl";

function openssl(args, cwd) {
  return new Promise((resolve, reject) => {
    execFile(OPENSSL, args, { cwd, timeout: 20_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`openssl ${args[0]} failed: ${stderr || error.message}`));
      else resolve();
    });
  });
}

/**
 * Makes, in `dir`, a CA (EC P-256, valid 2 days) and a server certificate it signed with
 * `subjectAltName = DNS:localhost, IP:127.0.0.1` and `extendedKeyUsage = serverAuth`.
 *
 * @param {string} dir an existing directory.
 * @returns {Promise<{caPath: string, certPath: string, keyPath: string}>} the PEM file paths.
 * @throws {Error} when openssl is missing or fails (its stderr is in the message).
 */
export async function makeCertificates(dir) {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ec,
    ...["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"],
    ...["-subj", "/CN=claude-talkie-walkie test CA"],
    ...["-addext", "basicConstraints=critical,CA:TRUE"],
    ...["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  ], dir);
  await openssl([
    "req",
    "-new",
    ...ec,
    ...["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
  ], dir);
  await writeFile(
    join(dir, "server.ext"),
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "",
    ].join("\n"),
  );
  await openssl([
    "x509",
    "-req",
    ...["-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"],
    ...["-days", "2", "-extfile", "server.ext", "-out", "server.pem"],
  ], dir);
  return {
    caPath: join(dir, "ca.pem"),
    certPath: join(dir, "server.pem"),
    keyPath: join(dir, "server.key"),
  };
}
