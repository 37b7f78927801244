import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { request } from "node:https";
import { serve } from "srvx";
import { createTlsFixture } from "./tls.ts";

/** A GET over node:https that trusts `ca`; resolves to the status and body. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => body += chunk);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

test("createTlsFixture makes a CA and a localhost certificate a TLS server can use", async () => {
  const tls = await createTlsFixture();
  const server = serve({
    fetch: (req) => new Response(`hello over ${new URL(req.url).protocol}`),
    hostname: "127.0.0.1",
    port: 0,
    silent: true,
    tls: { cert: tls.certPath, key: tls.keyPath },
  });
  try {
    await server.ready();
    const port = new URL(server.url!).port;
    assert.match(tls.ca, /^-----BEGIN CERTIFICATE-----/);
    assert.match(tls.key, /^-----BEGIN PRIVATE KEY-----/);

    for (const host of ["127.0.0.1", "localhost"]) {
      const url = `https://${host}:${port}/`;
      // Trusted CA, with fetch (Deno's HTTP client option) and node:https (both runtimes).
      const client = Deno.createHttpClient({ caCerts: [tls.ca] });
      try {
        const response = await fetch(url, { client });
        assert.equal(await response.text(), "hello over https:");
      } finally {
        client.close();
      }
      assert.deepEqual(await httpsGet(url, tls.ca), { status: 200, body: "hello over https:" });
      // Untrusted: the default trust store refuses the certificate.
      await assert.rejects(fetch(url));
    }
  } finally {
    await server.close(true);
    await tls.cleanup();
  }
  assert.equal(existsSync(tls.dir), false);
});
