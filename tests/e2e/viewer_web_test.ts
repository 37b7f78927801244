/**
 * End-to-end: `viewer --web` as a user starts it: it prints one URL with a token on stdout,
 * serves the page only to requests that name it in Host, come from no other Origin and carry
 * the token, never hands the browser the mesh secret, and stops on SIGTERM.
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { type Mesh, ROOT, startMesh, waitFor } from "../support/harness.ts";

/** A raw request, so Host and Origin are exactly what a hostile page or name would send. */
function get(
  port: number,
  path: string,
  headers: Record<string, string>,
  method = "GET",
  body?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      // The SSE stream never ends: its first bytes are enough.
      res.on("data", (d) => {
        body += d;
        if (path.startsWith("/events") && body.includes("\n\n", body.indexOf("snapshot"))) {
          req.destroy();
        }
      });
      const done = () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      res.on("end", done);
      res.on("close", done);
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`No answer to ${path}`)));
    req.end(body);
  });
}

describe("viewer --web as a command", () => {
  let mesh: Mesh;
  let child: ChildProcess;
  let out = "";
  let err = "";
  let port = 0;
  let token = "";

  before(async () => {
    mesh = await startMesh(["backend", "frontend"]);
    child = spawn(
      process.execPath,
      [
        "run",
        "-A",
        "main.ts",
        "viewer",
        "--web",
        ...mesh.nodes.map((n) => `${n.role}=127.0.0.1:${n.port}`),
      ],
      {
        cwd: ROOT,
        env: { ...process.env, INTERCOM_SECRET: mesh.secret },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout!.setEncoding("utf8").on("data", (d) => out += d);
    child.stderr!.setEncoding("utf8").on("data", (d) => err += d);
    const m = await waitFor(
      () => /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)\n/.exec(out) ?? undefined,
      "the URL on stdout",
      20_000,
    );
    port = Number(m[1]);
    token = m[2];
  });

  after(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await mesh?.close();
  });

  test("prints one URL whose token opens the data; no cookie is set", async () => {
    assert.equal(out.trim().split("\n").length, 1, out);
    const host = `127.0.0.1:${port}`;
    const first = await get(port, `/?token=${token}`, { host });
    assert.equal(first.status, 200);
    assert.equal(first.headers["set-cookie"], undefined);
    assert.match(first.body, /<svg id="office"/);
    const events = await get(port, `/events?token=${token}`, { host: `localhost:${port}` });
    assert.equal(events.status, 200);
    assert.match(events.body, /event: snapshot/);
    assert.ok(!events.body.includes(mesh.secret), "the browser never gets the mesh secret");
  });

  test("refuses a wrong token, another Host and a foreign Origin", async () => {
    const host = `127.0.0.1:${port}`;
    // The page itself holds no data; the data needs the token.
    assert.equal((await get(port, "/", { host })).status, 200);
    assert.equal((await get(port, "/events", { host })).status, 401);
    assert.equal((await get(port, "/events?token=wrong", { host })).status, 401);
    assert.equal((await get(port, "/events", { host, authorization: "Bearer nope" })).status, 401);
    // A rebinding DNS name points at us, with the right token even: refused.
    const rebound = await get(port, `/?token=${token}`, { host: `attacker.example:${port}` });
    assert.equal(rebound.status, 403);
    const foreign = await get(port, "/api/message", {
      host,
      authorization: `Bearer ${token}`,
      origin: "http://attacker.example",
      "content-type": "application/json",
    }, "POST");
    assert.equal(foreign.status, 403);
  });

  test("answers the composer without an operator key with a clear error", async () => {
    const r = await get(
      port,
      "/api/message",
      {
        host: `127.0.0.1:${port}`,
        authorization: `Bearer ${token}`,
        origin: `http://127.0.0.1:${port}`,
        "content-type": "application/json",
      },
      "POST",
      JSON.stringify({ to: "all", text: "hello" }),
    );
    assert.equal(r.status, 503);
    assert.match(JSON.parse(r.body).error, /No operator key is configured/);
  });

  test("stops on SIGTERM with exit code 0", async () => {
    // process.kill: Deno's child.kill() makes `exit` report the signal even after a clean exit.
    process.kill(child.pid!, "SIGTERM");
    const code = await new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      child.on("exit", (c) => resolve(c));
    });
    assert.equal(code, 0, err);
  });
});
