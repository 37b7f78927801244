/**
 * Certificates for broker TLS tests: the test CA of {@linkcode createTlsFixture} signs, in the
 * same temporary directory, a client certificate (mutual TLS), a server certificate for another
 * host name, and a second CA's client certificate that the server must refuse.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OPENSSL } from "./certs.mjs";
import { createTlsFixture, type TlsFixture } from "./tls.ts";

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(OPENSSL, args, { cwd, timeout: 20_000 }, (error, _out, stderr) => {
      if (error) reject(new Error(`openssl ${args[0]} failed: ${stderr || error.message}`));
      else resolve();
    });
  });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** Makes `<name>.pem`/`<name>.key` in `dir`, signed by `<ca>.pem`/`<ca>.key`. */
async function sign(
  dir: string,
  name: string,
  o: { ca: string; usage: "serverAuth" | "clientAuth"; san?: string },
): Promise<{ cert: string; key: string }> {
  await openssl([
    "req",
    "-new",
    ...EC,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${name}`,
  ], dir);
  const ext = [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature",
    `extendedKeyUsage=${o.usage}`,
    ...(o.san ? [`subjectAltName=${o.san}`] : []),
    "",
  ];
  await writeFile(join(dir, `${name}.ext`), ext.join("\n"));
  await openssl([
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${o.ca}.pem`,
    "-CAkey",
    `${o.ca}.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  ], dir);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** The files of {@linkcode createNatsTls}. */
export interface NatsTlsFixture extends TlsFixture {
  /** A client certificate and key the test CA signed. */
  client: { cert: string; key: string };
  /** A client certificate and key signed by another CA. */
  stranger: { cert: string; key: string };
  /** A server certificate and key the test CA signed for `nats.test` only. */
  otherName: { cert: string; key: string };
}

/** Makes the test CA, its server certificate, and the certificates above. */
export async function createNatsTls(): Promise<NatsTlsFixture> {
  const base = await createTlsFixture();
  try {
    const { dir } = base;
    await openssl([
      "req",
      "-x509",
      ...EC,
      "-keyout",
      "other-ca.key",
      "-out",
      "other-ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=another CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ], dir);
    return {
      ...base,
      client: await sign(dir, "client", { ca: "ca", usage: "clientAuth" }),
      stranger: await sign(dir, "stranger", { ca: "other-ca", usage: "clientAuth" }),
      otherName: await sign(dir, "other-name", {
        ca: "ca",
        usage: "serverAuth",
        san: "DNS:nats.test",
      }),
    };
  } catch (e) {
    await base.cleanup();
    throw e;
  }
}

/** The `tls {}` block of a nats-server config for `cert`/`key`, requiring client certificates of `ca` when given. */
export function tlsBlock(o: { cert: string; key: string; verifyCa?: string }): string {
  const lines = [`  cert_file: "${o.cert}"`, `  key_file: "${o.key}"`];
  if (o.verifyCa) lines.push(`  ca_file: "${o.verifyCa}"`, "  verify: true");
  return `tls {\n${lines.join("\n")}\n}\n`;
}
