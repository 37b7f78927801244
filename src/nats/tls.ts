/**
 * TLS to the broker: the PEM files a node trusts and presents (`INTERCOM_CA`,
 * `INTERCOM_NATS_CERT`, `INTERCOM_NATS_KEY`), checked at start, and one sentence for a failed
 * TLS connection that says whether the CA, the server's name, or the client certificate failed.
 *
 * @module
 */

import process from "node:process";
import { ConfigError, type Env, readPem } from "../core/env.ts";
import type { NatsTls } from "../node/config.ts";

export type { NatsTls };

/**
 * Reads the broker's TLS files: `INTERCOM_CA` (also used for HTTPS peers), and the client
 * certificate `INTERCOM_NATS_CERT` with its key `INTERCOM_NATS_KEY`, which must be set together
 * and belong together. `undefined` when none is set (the system's CAs, no client certificate).
 *
 * @throws {ConfigError} naming the variable: unreadable, not PEM, one of the pair missing, or a
 *   key that is not the certificate's.
 */
export function parseNatsTls(env: Env, readFile: (path: string) => string): NatsTls | undefined {
  const caFile = env.INTERCOM_CA?.trim() || undefined;
  const certFile = env.INTERCOM_NATS_CERT?.trim() || undefined;
  const keyFile = env.INTERCOM_NATS_KEY?.trim() || undefined;
  if (!certFile !== !keyFile) {
    throw new ConfigError(
      "Set both INTERCOM_NATS_CERT and INTERCOM_NATS_KEY (PEM file paths) for a client " +
        "certificate, or neither",
    );
  }
  if (!caFile && !certFile) return undefined;
  const tls: NatsTls = {};
  if (caFile) Object.assign(tls, { caFile, ca: readPem("INTERCOM_CA", caFile, readFile) });
  if (certFile && keyFile) {
    const cert = readPem("INTERCOM_NATS_CERT", certFile, readFile);
    const key = readPem("INTERCOM_NATS_KEY", keyFile, readFile);
    let matches: boolean;
    try {
      // node:crypto only here: the configuration is read before `initialize` is answered.
      const { createPrivateKey, X509Certificate } = process.getBuiltinModule("node:crypto");
      matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
    } catch (e) {
      throw new ConfigError(
        `INTERCOM_NATS_CERT "${certFile}" or INTERCOM_NATS_KEY "${keyFile}" cannot be read as a ` +
          `certificate and private key: ${(e as Error).message}`,
      );
    }
    if (!matches) {
      throw new ConfigError(
        `INTERCOM_NATS_KEY "${keyFile}" is not the private key of INTERCOM_NATS_CERT "${certFile}"`,
      );
    }
    Object.assign(tls, { certFile, cert, keyFile, key });
  }
  return tls;
}

/** What a NATS server says of itself before TLS starts (its `INFO` line). */
export interface ServerInfo {
  tls_required?: boolean;
  /** The server requires a client certificate (mutual TLS). */
  tls_verify?: boolean;
  auth_required?: boolean;
}

/**
 * Reads the `INFO` line a NATS server sends in clear text on connect (before any TLS), to
 * explain a failure afterwards. `undefined` when the server cannot be reached in `timeoutMs`
 * or sends something else (a server started with TLS first sends nothing).
 */
export function peekServerInfo(server: string, timeoutMs = 2_000): Promise<ServerInfo | undefined> {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return Promise.resolve(undefined);
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    let text = "";
    const socket = process.getBuiltinModule("node:net").connect(Number(url.port || 4222), host);
    const done = (info?: ServerInfo) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(info);
    };
    const timer = setTimeout(() => done(), timeoutMs);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      const end = text.indexOf("\r\n");
      if (end < 0 && text.length < 8192) return;
      const m = /^INFO\s+(\{.*\})/.exec(text.slice(0, end < 0 ? undefined : end));
      try {
        done(m ? JSON.parse(m[1]) as ServerInfo : undefined);
      } catch {
        done();
      }
    });
    socket.on("error", () => done());
    socket.on("close", () => done());
  });
}

const CA_CODES =
  /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|CERT_UNTRUSTED|UnknownIssuer|unable to verify|self[- ]signed/i;
const NAME_CODES = /ERR_TLS_CERT_ALTNAME_INVALID|NotValidForName|does not match certificate/i;
const EXPIRED = /CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|Expired|NotValidYet/i;

/**
 * The client's TLS options: used when a server URL says `tls://` or a client certificate is
 * set (a `nats://` URL then connects in clear text to a server that does not require TLS, as
 * before). `undefined` when TLS is up to the server.
 */
export function tlsClientOptions(
  servers: readonly string[],
  tls: NatsTls | undefined,
): { ca?: string; cert?: string; key?: string } | undefined {
  if (!tls?.cert && !servers.some((s) => s.startsWith("tls:"))) return undefined;
  return {
    ...(tls?.ca ? { ca: tls.ca } : {}),
    ...(tls?.cert ? { cert: tls.cert, key: tls.key } : {}),
  };
}

/**
 * One sentence for a TLS failure connecting to `where`, saying which part failed: the CA
 * (`INTERCOM_CA`), the server's name, the server's certificate dates, or the client certificate
 * a server requires (`info.tls_verify`, from {@linkcode peekServerInfo}). `undefined` when
 * `error` is no TLS failure this can name.
 */
export function describeTlsFailure(
  error: unknown,
  tls: NatsTls | undefined,
  where: string,
  info?: ServerInfo,
): string | undefined {
  const e = error as { code?: string; message?: string; name?: string };
  const text = `${e?.code ?? ""} ${e?.message ?? String(error)}`;
  const said = e?.message ?? String(error);
  if (CA_CODES.test(text)) {
    const fix = !tls?.caFile
      ? "set INTERCOM_CA to the PEM file of the CA that signed it"
      : /^tls:/.test(where)
      ? `INTERCOM_CA "${tls.caFile}" is not the CA that signed it`
      : "write tls:// in INTERCOM_NATS_URL so that INTERCOM_CA applies";
    return `TLS to NATS at ${where} failed: the server's certificate is not trusted (${said}): ${fix}`;
  }
  if (NAME_CODES.test(text)) {
    return `TLS to NATS at ${where} failed: the server's certificate is not for this host name ` +
      `(${said}): write the name the certificate was made for in INTERCOM_NATS_URL`;
  }
  if (EXPIRED.test(text)) {
    return `TLS to NATS at ${where} failed: the server's certificate is expired or not yet ` +
      `valid (${said})`;
  }
  if (info?.tls_verify) {
    if (!tls?.certFile) {
      return `TLS to NATS at ${where} failed: the server requires a client certificate ` +
        `(mutual TLS) and none is set (${said}): set INTERCOM_NATS_CERT and INTERCOM_NATS_KEY`;
    }
    return `TLS to NATS at ${where} failed: the server refused the client certificate ` +
      `INTERCOM_NATS_CERT "${tls.certFile}" (${said}): it must be signed by a CA the server ` +
      "trusts and made for client authentication";
  }
  if (/server does not support 'tls'/.test(said)) {
    return `NATS at ${where} does not offer TLS (${said}): write nats:// or enable TLS on the ` +
      "server";
  }
  return undefined;
}
