#!/usr/bin/env node
// The start-up floor: the least an MCP stdio server can be. It answers `initialize` with a valid
// result and every other request with an empty one, reading newline-delimited JSON-RPC; no
// imports, no HTTP. Runs under Deno and Node; exits when stdin ends. Also the bin of the floor
// package that the install benchmark packs (bench/install.ts).
let buffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf("\n")) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      continue;
    }
    if (message.id === undefined) continue;
    const result = message.method === "initialize"
      ? {
        protocolVersion: message.params?.protocolVersion ?? "2025-06-18",
        capabilities: {},
        serverInfo: { name: "floor", version: "0" },
      }
      : {};
    process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: message.id, result }) + "\n");
  }
});
process.stdin.on("end", () => process.exit(0));
