// The listener's limits under Node (node:http through srvx): connections that send nothing,
// stop in the middle of their headers, sit idle after a request, or send a slow body without
// the secret are closed by the server within a bounded wait (issue 12). Under Deno.serve these
// limits cannot be set (docs/security.md). Needs npm/ built first (`npm test` does that).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { after, before, test } from "node:test";
import { childEnv, freePort, within } from "./_package.mjs";

const root = new URL("../..", import.meta.url).pathname;
const bin = join(root, "npm/bin/claude-talkie-walkie.cjs");
let child;
let port;

before(async () => {
  port = await freePort();
  child = spawn(process.execPath, [bin], {
    env: childEnv({
      MY_ROLE: "limits",
      INTERCOM_PORT: String(port),
      INTERCOM_HOST: "127.0.0.1",
      INTERCOM_SECRET: "limits-secret-0123456789abcdef",
    }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  await within(
    20_000,
    "the node to listen",
    new Promise((resolve) => {
      child.stderr.on("data", (d) => {
        stderr += d;
        if (/listening on/.test(stderr)) resolve();
      });
    }),
  );
});

after(() => {
  child?.stdin.end();
  child?.kill();
});

test("the server closes silent, half-sent, idle and slow unauthenticated connections", async () => {
  const cases = {
    "sends nothing": "",
    "stops inside its headers": "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    "idles after a request": "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "slow body without the secret":
      "POST /message HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: 300000\r\n\r\n{",
  };
  const closed = Object.entries(cases).map(([what, data]) =>
    within(
      // headersTimeout 10 s, checked every second; keep-alive 5 s; refusals close at once.
      25_000,
      `the server to close a connection that ${what}`,
      new Promise((resolve) => {
        const socket = connect(port, "127.0.0.1", () => data && socket.write(data));
        socket.on("error", () => {});
        // Read what the server says (a 408, a 401): a paused socket would never see its end.
        socket.resume();
        socket.on("close", resolve);
      }),
    )
  );
  await Promise.all(closed);
  assert.ok(true);
});
