/**
 * claude-talkie-walkie: an N-way bridge between Claude Code sessions over the Channels API.
 *
 * Importing this module has no side effects. Run it (`deno run -A mod.ts`) and it starts the
 * command line, the same as `main.ts` and the npm bin.
 *
 * @example Start a node on stdio, as `npx claude-talkie-walkie` does
 * ```ts ignore
 * import { loadConfig, serveNode } from "./mod.ts";
 * const config = loadConfig([], { MY_ROLE: "backend", PEERS: "frontend=10.0.0.6" }, () => "");
 * const node = await serveNode(config, { log: (line) => console.error(line) });
 * ```
 * @module
 */

// Configuration
export { loadConfig, type LocalSources, parsePeers } from "./src/cli/config.ts";
export {
  type Config,
  ConfigError,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_SECRET,
  type Env,
  type NatsConfig,
} from "./src/node/config.ts";
export { DEFAULT_PORT, parsePeerAddress } from "./src/http/address.ts";
// The node, assembled (createNode) or serving (serveNode)
export { createNode, type Handler, type MeshNode, type NodeDeps } from "./src/cli/create_node.ts";
export { serveNode, type ServeOptions, type ServingNode } from "./src/cli/run_node.ts";
export { main } from "./src/cli/main.ts";
// The parts
export {
  type Envelope,
  parseEnvelope,
  type ParseOptions,
  ProtocolError,
} from "./src/core/envelope.ts";
export { MESSAGE_ID, ROLE_NAME, roleProblem } from "./src/core/names.ts";
export {
  type DeliveryOutcome,
  deliveryOutcome,
  type FailureKind,
  type PeerReply,
  type PeerSession,
  type ProbeOutcome,
  probeOutcome,
} from "./src/core/outcome.ts";
export {
  Hub,
  type HubEvent,
  type HubRecord,
  type MessageKind,
  type Notice,
} from "./src/node/hub.ts";
export { Inbox, type InboxMessage, type InboxOptions, type InboxRead } from "./src/node/inbox.ts";
export {
  MAX_RECEIPT_IDS,
  parseReceipt,
  type Receipt,
  type SentEntry,
  SentLog,
} from "./src/node/receipts.ts";
export type { Peer, PeerTransport, TransportStatus } from "./src/node/transport.ts";
export { createHandler, type HandlerOptions, type SessionInfo } from "./src/http/handler.ts";
export {
  Channel,
  CHANNEL_METHOD,
  type ChannelEvent,
  type ChannelOptions,
  type SessionDelivery,
} from "./src/node/channel.ts";
export { AuthThrottle, type AuthThrottleOptions } from "./src/http/throttle.ts";
export { type DeliveryReport, type FinalOutcome } from "./src/node/outbox.ts";
export {
  LoopError,
  Messenger,
  type MessengerOptions,
  SendError,
  type SendOutcome,
  type SendResult,
} from "./src/node/messenger.ts";
export { EventStreams, type OpenOptions, type SseMessage } from "./src/http/sse.ts";
export { SeenIds, type SeenIdsOptions } from "./src/core/replay.ts";
export {
  type DeliveredEntry,
  DeliveredIds,
  type DeliveredIdsOptions,
  type DeliveryCheck,
  textDigest,
} from "./src/core/delivered.ts";
export { type Loop, PingPong, type PingPongOptions } from "./src/core/ping_pong.ts";
export { RateLimiter, type RateLimiterOptions, type TakeResult } from "./src/core/rate_limit.ts";
export type { Logger } from "./src/platform/log.ts";
export { VERSION } from "./src/platform/version.ts";

// `import.meta.main` is Deno's (Node 20 lacks it); the npm bin calls main() itself.
if ((import.meta as { main?: boolean }).main) {
  const { default: process } = await import("node:process");
  const { main } = await import("./src/cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
}
