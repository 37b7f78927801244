/**
 * claude-talkie-walkie: an N-way bridge between Claude Code sessions over the Channels API.
 *
 * Importing this module has no side effects. Run it (`deno run -A mod.ts`) and it starts the
 * command line, the same as `main.ts` and the npm bin.
 *
 * @example
 * ```ts
 * import { loadConfig, startNode } from "./mod.ts";
 * ```
 * @module
 */

export { type Config, ConfigError, loadConfig, parsePeers, type Peer } from "./src/cli/config.ts";
export { DEFAULT_PORT, parsePeerAddress } from "./src/http/address.ts";
export { type Envelope, parseEnvelope, ProtocolError } from "./src/core/envelope.ts";
export { Hub, type HubRecord, type MessageKind } from "./src/node/hub.ts";
export { createHandler, type HandlerOptions } from "./src/http/handler.ts";
export { CHANNEL_METHOD, createMcpServer } from "./src/node/mcp_server.ts";
export { type RunningNode, startNode } from "./src/node/create_node.ts";
export { main } from "./src/cli/main.ts";
export { VERSION } from "./src/platform/version.ts";

// `import.meta.main` is Deno's (Node 20 lacks it); the npm bin calls main() itself.
if ((import.meta as { main?: boolean }).main) {
  const { default: process } = await import("node:process");
  const { main } = await import("./src/cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
}
