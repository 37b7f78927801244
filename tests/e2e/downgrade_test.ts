/**
 * End-to-end: when a node sends the secret in the `X-Intercom-Secret` header (v2 peers), and
 * what the user is told when a peer refuses our signatures because of the clock (issue 12).
 *
 * alpha's PEERS: `tls2` (a v2 node over HTTPS), `flip` (advertises signatures, then stops),
 * `plain2` (a v2 node over plain HTTP) and `beta` (a real node reached through a proxy that
 * makes alpha's timestamps 400 s old, as a skewed clock would).
 */

import assert from "node:assert/strict";
import {
  createServer as createHttp,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttps } from "node:https";
import { after, before, describe, test } from "node:test";
import { createTlsFixture, type TlsFixture } from "../support/tls.ts";
import { freePorts, NodeProcess, randomSecret, resultText } from "../support/harness.ts";

/** A v2-like node: `/health` without `signatures` unless `signs`; records every POST. */
class V2Fake {
  signs = false;
  readonly posts: IncomingHttpHeaders[] = [];
  /** The bodies of the posts, in order. */
  readonly bodies: string[] = [];
  server!: Server;
  constructor(readonly role: string) {}

  handle = (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.setEncoding("utf8").on("data", (c: string) => body += c);
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", connection: "close" });
      if (req.url === "/health") {
        return res.end(JSON.stringify({
          status: "ok",
          role: this.role,
          peers: [],
          version: "2.0.0",
          ...(this.signs ? { signatures: ["v1"] } : {}),
        }));
      }
      this.posts.push(req.headers);
      this.bodies.push(body);
      res.end(JSON.stringify({ ok: true }));
    });
  };

  listen(server: Server, port: number): Promise<void> {
    this.server = server;
    return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  }
}

/** A proxy to `target` that makes every `webhook-timestamp` 400 s older. */
function skewProxy(target: number): Server {
  return createHttp((req, res) => {
    const headers = { ...req.headers };
    const ts = headers["webhook-timestamp"];
    if (typeof ts === "string") headers["webhook-timestamp"] = String(Number(ts) - 400);
    const up = httpRequest(
      { host: "127.0.0.1", port: target, path: req.url, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
}

describe("the v2 fallback and clock skew", () => {
  let alpha: NodeProcess, beta: NodeProcess;
  let tls: TlsFixture;
  const tls2 = new V2Fake("tls2");
  const flip = new V2Fake("flip");
  const plain2 = new V2Fake("plain2");
  let proxy: Server;
  before(async () => {
    tls = await createTlsFixture();
    const [a, b, t, f, p, x] = await freePorts(6);
    await tls2.listen(createHttps({ cert: tls.cert, key: tls.key }, tls2.handle), t);
    await flip.listen(createHttp(flip.handle), f);
    await plain2.listen(createHttp(plain2.handle), p);
    proxy = skewProxy(b);
    await new Promise<void>((resolve) => proxy.listen(x, "127.0.0.1", () => resolve()));
    const secret = randomSecret();
    alpha = NodeProcess.spawn({
      role: "alpha",
      port: a,
      secret,
      peers: { tls2: `https://127.0.0.1:${t}`, flip: f, plain2: p, beta: x },
      env: { INTERCOM_CA: tls.caPath },
    });
    beta = NodeProcess.spawn({ role: "beta", port: b, secret, peers: { alpha: a } });
    await Promise.all([alpha.waitListening(), beta.waitListening()]);
    await Promise.all([alpha.connect(), beta.connect()]);
  });
  after(async () => {
    await Promise.all([alpha?.stop(), beta?.stop()]);
    for (const s of [tls2.server, flip.server, plain2.server, proxy]) {
      s?.closeAllConnections?.();
      s?.close();
    }
    await tls?.cleanup();
  });

  test("a v2 peer over HTTPS is not sent the secret; the tool result says how to allow it", async () => {
    const r = await alpha.session.call("send_message", { to: "tls2", message: "over https" });
    const text = resultText(r);
    assert.equal(r.isError, true, text);
    assert.match(text, /INTERCOM_ALLOW_SECRET_HEADER=1/);
    assert.match(text, /X-Intercom-Secret/);
    assert.equal(tls2.posts.length, 0, "nothing was posted");
  });

  test("a peer that advertised signatures is never downgraded to the secret header", async () => {
    flip.signs = true;
    await alpha.session.call("list_peers");
    flip.signs = false;
    await alpha.session.call("list_peers");
    const r = await alpha.session.call("send_message", { to: "flip", message: "still signed" });
    assert.equal(r.isError, undefined, resultText(r));
    const last = flip.posts.at(-1)!;
    assert.ok(last["webhook-signature"], "signed");
    assert.equal(last["x-intercom-secret"], undefined, "the secret was not sent");
    await alpha.waitForStderr(/"flip" no longer advertises signatures/);
  });

  test("a plain-HTTP v2 peer gets the secret header, and the tool result says so", async () => {
    const r = await alpha.session.call("send_message", { to: "plain2", message: "to v2" });
    const text = resultText(r);
    assert.equal(r.isError, undefined, text);
    assert.match(text, /^Delivered/);
    assert.match(text, /X-Intercom-Secret header/);
    // A v2 node has no node key: the text goes plain, and the result says so and why.
    assert.match(text, /sent unencrypted: "plain2" has no node key \(a v2 node/);
    assert.equal(JSON.parse(plain2.bodies.at(-1)!).message, "to v2");
    assert.ok(plain2.posts.at(-1)!["x-intercom-secret"]);
  });

  test("a skewed clock is reported as the clock, not as a wrong secret", async () => {
    const peers = resultText(await alpha.session.call("list_peers"));
    const line = peers.split("\n").find((l) => l.startsWith("- beta"))!;
    assert.match(line, /timestamp is 40\d s away .*check the clocks/);
    assert.doesNotMatch(line, /INTERCOM_SECRET differs/);
    const r = await alpha.session.call("send_message", { to: "beta", message: "skewed" });
    const text = resultText(r);
    assert.equal(r.isError, true, text);
    assert.match(text, /check the clocks/);
    assert.doesNotMatch(text, /wrong secret/);
  });
});
