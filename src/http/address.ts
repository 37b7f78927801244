/**
 * Peer addresses as written in `PEERS` and on the viewer's command line.
 *
 * @module
 */

/** The port a node listens on when none is given (v2 compatible). */
export const DEFAULT_PORT = 8788;

const NGROK_SUFFIXES = [".ngrok-free.app", ".ngrok.io", ".ngrok.app"];

/**
 * Turns a peer address into the base URL of that node, without a trailing slash.
 *
 * Accepted forms: `host`, `host:port`, `[v6]`, `[v6]:port`, `http://…` and `https://…`.
 * A host without a port gets 8788, except over HTTPS: ngrok domains (`*.ngrok-free.app`,
 * `*.ngrok.io`, `*.ngrok.app`) and any `https://` URL use HTTPS on port 443 unless given.
 *
 * @example
 * ```ts
 * parsePeerAddress("10.0.0.6"); // "http://10.0.0.6:8788"
 * parsePeerAddress("abc.ngrok-free.app"); // "https://abc.ngrok-free.app"
 * parsePeerAddress("[::1]:9000"); // "http://[::1]:9000"
 * ```
 * @throws {SyntaxError} when the address cannot be parsed, with the reason.
 */
export function parsePeerAddress(address: string): string {
  const raw = address.trim();
  if (raw === "") throw new SyntaxError("address is empty");
  if (raw.includes("@")) {
    // Never echo what precedes the "@": it may be a password.
    const shown = raw.replace(/^([a-z]+:\/\/)?[^@]*@/i, "$1…@");
    throw new SyntaxError(`"${shown}" has user info (@): addresses are host[:port] or a URL`);
  }
  if (/^[^[\]/]*:[^/]*:/.test(raw.replace(/^[a-z]+:\/\//i, ""))) {
    throw new SyntaxError(
      `"${raw}" looks like an IPv6 address: put it in brackets, [fd00::6]:8788`,
    );
  }
  const explicit = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw);
  if (explicit && !/^https?:\/\//i.test(raw)) {
    throw new SyntaxError(`unsupported scheme "${explicit[0]}" (use http:// or https://)`);
  }
  // `new URL` drops a port equal to the scheme's default, so read the one that was written.
  const written = /^(?:[a-z]+:\/\/)?(?:\[[^\]]*\]|[^/:]*)(?::(\d*))?/i.exec(raw)?.[1];
  if (written !== undefined) {
    const port = Number(written);
    if (written === "" || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new SyntaxError(`port in "${raw}" must be between 1 and 65535`);
    }
  }
  let url: URL;
  try {
    url = new URL(explicit ? raw : `http://${raw}`);
  } catch {
    throw new SyntaxError(`"${raw}" is not a host, host:port or URL`);
  }
  if (url.hostname === "" || url.username || url.password || url.search || url.hash) {
    throw new SyntaxError(`"${raw}" is not a host, host:port or URL`);
  }
  if (/[\s]/.test(raw)) throw new SyntaxError(`"${raw}" contains whitespace`);
  const host = url.hostname.toLowerCase();
  // URL accepts hosts like "host;b=x" (a ";" typed for ","): a peer host is a DNS name or IP.
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/i.test(host)) {
    throw new SyntaxError(
      `host "${url.hostname}" is not a DNS name or IP (separate PEERS with ",")`,
    );
  }
  const ngrok = NGROK_SUFFIXES.some((s) => host.endsWith(s));
  if (ngrok && written !== undefined && written !== "443") {
    throw new SyntaxError(
      `"${raw}": ngrok serves its domains over HTTPS on port 443 only, whatever port the node ` +
        `listens on: write ${host} without a port`,
    );
  }
  const https = url.protocol === "https:" || ngrok;
  const port = written ?? (https ? "" : String(DEFAULT_PORT));
  const path = url.pathname.replace(/\/+$/, "");
  const scheme = https ? "https" : "http";
  const defaultPort = https ? "443" : "80";
  const portPart = port === "" || port === defaultPort ? "" : `:${port}`;
  return `${scheme}://${url.hostname}${portPart}${path}`;
}
