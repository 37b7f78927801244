/**
 * What a node answers to MCP `initialize`: its server info, its capabilities (Claude Code's
 * `claude/channel`, the permission relay when an operator key is set, tools) and the
 * instructions fitted to the client. Both the MCP server and the start-up front end (which
 * answers `initialize` before the server has loaded) build their answer from here.
 *
 * Protocol versions as MCP's lifecycle negotiates them
 * (modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle): the client's version when
 * the server supports it, else the server's latest.
 *
 * @module
 */

import { hearsChannelEvents, instructions } from "../core/instructions.ts";

/** `serverInfo.name` of every node. */
export const SERVER_NAME = "talkie-walkie";

/**
 * The newest MCP revision the node speaks: the MCP SDK's `LATEST_PROTOCOL_VERSION` (a test
 * keeps the two equal).
 */
export const LATEST_PROTOCOL_VERSION = "2025-11-25";

/**
 * Every MCP revision the node accepts, newest first: the MCP SDK's
 * `SUPPORTED_PROTOCOL_VERSIONS` (a test keeps the two equal).
 */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [
  LATEST_PROTOCOL_VERSION,
  "2025-06-18",
  "2025-03-26",
  "2024-11-05",
  "2024-10-07",
];

/**
 * The revision answered to a client that asked for `requested`: that one when supported, else
 * {@linkcode LATEST_PROTOCOL_VERSION}.
 *
 * @example
 * ```ts
 * negotiateProtocolVersion("2025-06-18"); // "2025-06-18"
 * negotiateProtocolVersion("2099-01-01"); // "2025-11-25"
 * ```
 */
export function negotiateProtocolVersion(requested: unknown): string {
  return typeof requested === "string" && SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
    ? requested
    : LATEST_PROTOCOL_VERSION;
}

/** The server capabilities of a node, as `initialize` announces them. */
export interface ServerCapabilities {
  /** `claude/channel` always; `claude/channel/permission` only with an operator. */
  experimental: Record<string, Record<string, never>>;
  /** The tools (their list does not change while the session runs, but the SDK says it may). */
  tools: { listChanged: true };
}

/**
 * The capabilities of a node: the permission capability only where a human operator answers
 * prompts (claude-channels §6), i.e. when an operator key is configured.
 */
export function serverCapabilities(operator: boolean): ServerCapabilities {
  return {
    experimental: operator
      ? { "claude/channel": {}, "claude/channel/permission": {} }
      : { "claude/channel": {} },
    tools: { listChanged: true },
  };
}

/** What a node knows when it answers `initialize`. */
export interface InitializeFacts {
  /** This session's role. */
  role: string;
  /** The node's version (`serverInfo.version`). */
  version: string;
  /** The peers known now. */
  peers: readonly string[];
  /** Where peers come and go (a broker mesh, this machine's registry), if they do. */
  presence?: string;
  /** An operator key is configured. */
  operator: boolean;
}

/** The parts of an `initialize` request's params the answer depends on. */
export interface InitializeParams {
  /** The revision the client asked for. */
  protocolVersion: string;
  /** Who the client is; `name` decides whether it shows channel events. */
  clientInfo: { name: string; version: string };
}

/** The result of `initialize` (MCP `InitializeResult`). */
export interface InitializeAnswer {
  protocolVersion: string;
  capabilities: ServerCapabilities;
  serverInfo: { name: string; version: string };
  instructions: string;
}

/**
 * The whole `initialize` result for a client, as the node's MCP server gives it.
 *
 * @example
 * ```ts
 * const facts = { role: "api", version: "2.1.0", peers: ["web"], operator: false };
 * initializeResult(facts, {
 *   protocolVersion: "2025-06-18",
 *   clientInfo: { name: "claude-code", version: "2.1.0" },
 * }).serverInfo; // { name: "talkie-walkie", version: "2.1.0" }
 * ```
 */
export function initializeResult(
  facts: InitializeFacts,
  params: InitializeParams,
): InitializeAnswer {
  return {
    protocolVersion: negotiateProtocolVersion(params.protocolVersion),
    capabilities: serverCapabilities(facts.operator),
    serverInfo: { name: SERVER_NAME, version: facts.version },
    instructions: fittedInstructions(facts, hearsChannelEvents(params.clientInfo.name)),
  };
}

/**
 * The `instructions` of the initialize result: for a client that shows channel events
 * (`channels`, see `hearsChannelEvents`) or one that reads the inbox.
 */
export function fittedInstructions(
  facts: Omit<InitializeFacts, "version">,
  channels: boolean,
): string {
  const { peers, presence, operator } = facts;
  return instructions(facts.role, { peers, presence, operator, channels });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The members a JSON-RPC request may have (the SDK refuses a request with any other). */
const REQUEST_MEMBERS = new Set(["jsonrpc", "id", "method", "params"]);

/**
 * The id and params of `message` when it is a well-formed JSON-RPC `initialize` request (what
 * the MCP SDK checks before it answers: no members beyond `jsonrpc`, `id`, `method` and
 * `params`; a `protocolVersion`, `capabilities`, a `clientInfo` with a string `name` and
 * `version`); undefined for anything else, which is left to the MCP server to answer or refuse.
 */
export function asInitializeRequest(
  message: unknown,
): { id: string | number; params: InitializeParams } | undefined {
  if (!isObject(message) || message.jsonrpc !== "2.0" || message.method !== "initialize") {
    return undefined;
  }
  if (Object.keys(message).some((k) => !REQUEST_MEMBERS.has(k))) return undefined;
  const { id, params } = message;
  if (typeof id !== "string" && (typeof id !== "number" || !Number.isInteger(id))) return;
  if (!isObject(params) || typeof params.protocolVersion !== "string") return undefined;
  if (!isObject(params.capabilities) || !isObject(params.clientInfo)) return undefined;
  const { name, version } = params.clientInfo;
  if (typeof name !== "string" || typeof version !== "string") return undefined;
  return { id, params: { protocolVersion: params.protocolVersion, clientInfo: { name, version } } };
}
