/**
 * The parts of a claude-talkie-walkie node, for tools and tests that build on them: the rules
 * of `core/` (envelope, outcomes, replay and rate limits), the node's hub, messenger, channel
 * and receive rules, and the HTTP handler. Outside the semver promise: a minor release may
 * change them. The supported surface is `mod.ts`.
 *
 * @module
 */

export * from "./mod.ts";
// Configuration
export { parsePeers } from "./src/app/config.ts";
export { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SECRET } from "./src/node/config.ts";
export { DEFAULT_PORT, parsePeerAddress } from "./src/http/address.ts";
// The command line
export { main } from "./src/cli/main.ts";
// The parts
export { parseEnvelope, type ParseOptions, ProtocolError } from "./src/core/envelope.ts";
export { MESSAGE_ID, ROLE_NAME, roleProblem } from "./src/core/names.ts";
export {
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
export type {
  Inbox,
  InboxMessage,
  InboxRead,
  SearchMatch,
  SearchOptions,
} from "./src/node/inbox.ts";
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
export { Waiters, type WaitersOptions, type WaitResult } from "./src/node/waiters.ts";
export { AuthThrottle, type AuthThrottleOptions } from "./src/http/throttle.ts";
export type {
  DeliveryReport,
  FinalOutcome,
  OutboxPersistence,
  ResumedMessage,
} from "./src/node/outbox.ts";
export {
  LoopError,
  Messenger,
  type MessengerOptions,
  SendError,
  type SendOutcome,
  type SendResult,
} from "./src/node/messenger.ts";
export { EventStreams, type OpenOptions, type SseMessage } from "./src/http/sse.ts";
export type { OnceIds, SeenIds } from "./src/core/replay.ts";
export {
  type DeliveredEntry,
  type DeliveredIds,
  type DeliveryCheck,
  textDigest,
} from "./src/core/delivered.ts";
export { type Loop, PingPong, type PingPongOptions } from "./src/core/ping_pong.ts";
export { RateLimiter, type RateLimiterOptions, type TakeResult } from "./src/core/rate_limit.ts";
export {
  type Answer,
  answerOf,
  type Inbound,
  judgeSender,
  receive,
  type ReceiveContext,
  type Received,
  receiveReceipt,
  type Verified,
} from "./src/node/receive.ts";
export {
  healthBody,
  type HealthFacts,
  MISSING_AUTH,
  type Receiver,
  verifySigned,
} from "./src/node/receiver.ts";
export type { OperatorInbound, OperatorReceiver } from "./src/node/operator.ts";
export {
  checkKeyCard,
  fingerprintOf,
  generateNodeKeys,
  type KeyCard,
  keyCard,
  type NodeClaim,
  type NodeKeys,
  signNode,
  verifyNode,
} from "./src/core/node_key.ts";
export {
  type MeshSealer,
  meshSealer,
  type SealBinding,
  type Sealed,
  Sealer,
} from "./src/core/seal.ts";
export {
  type Pin,
  Pins,
  type PinsOptions,
  type PinStore,
  type PinVerdict,
  type SenderKind,
} from "./src/node/pins.ts";
export { Privacy, type WireBody } from "./src/node/privacy.ts";
