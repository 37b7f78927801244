// The lean reference of the latency benchmark: the shortest stdio -> HTTP -> stdio relay. An MCP
// stdio server with one tool (any tools/call POSTs its `message` argument to PEER_PORT's
// /message over a keep-alive node:http connection and answers when the peer did) and an HTTP
// server whose POST /message writes a `notifications/claude/channel` event on stdout. No
// signature, no checks, no store: what any relay must do at the least. Runs under Deno and Node;
// prints nothing but JSON-RPC on stdout, exits when stdin ends. Env: PORT, PEER_PORT.
import { Agent, createServer, request } from "node:http";
import process from "node:process";

const agent = new Agent({ keepAlive: true });
const out = (m) => process.stdout.write(JSON.stringify(m) + "\n");
const post = (payload, done) => {
  const req = request({
    host: "127.0.0.1",
    port: Number(process.env.PEER_PORT),
    path: "/message",
    method: "POST",
    agent,
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
  }, (res) => res.resume().on("end", done));
  req.on("error", done);
  req.end(payload);
};
let buffer = "";
process.stdin.setEncoding("utf8").on("data", (chunk) => {
  buffer += chunk;
  for (let nl; (nl = buffer.indexOf("\n")) >= 0;) {
    const m = JSON.parse(buffer.slice(0, nl));
    buffer = buffer.slice(nl + 1);
    if (m.id === undefined) continue;
    if (m.method !== "tools/call") {
      const result = m.method === "initialize"
        ? {
          protocolVersion: m.params.protocolVersion,
          capabilities: { tools: {}, experimental: { "claude/channel": {} } },
          serverInfo: { name: "lean", version: "0" },
        }
        : {};
      out({ jsonrpc: "2.0", id: m.id, result });
      continue;
    }
    const body = JSON.stringify({ from: "a", message: m.params.arguments.message });
    post(body, () => out({ jsonrpc: "2.0", id: m.id, result: { content: [] } }));
  }
});
const server = createServer((req, res) => {
  if (req.method !== "POST") return res.end('{"status":"ok"}'); // the benchmark's /health poll
  const chunks = [];
  req.on("data", (c) => chunks.push(c)).on("end", () => {
    const { from, message } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    out({
      jsonrpc: "2.0",
      method: "notifications/claude/channel",
      params: { content: message, meta: { from } },
    });
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.stdin.on("end", () => process.exit(0));
