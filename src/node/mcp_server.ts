/**
 * The MCP side of a node: a Claude Code channel server (`experimental["claude/channel"]`) with
 * the tools `send_message`, `broadcast_message`, `list_peers`, `read_messages`,
 * `search_messages`, `wait_for_message` and `set_status`. Every received message becomes one
 * `notifications/claude/channel` event, and waits in the inbox for clients without them.
 *
 * Contract: Claude Code's Channels reference (code.claude.com/docs/en/channels-reference) and
 * the contract notes in docs/ARCHITECTURE.md.
 *
 * @module
 */

import { McpServer } from "../platform/sdk.ts";
import type { Hub } from "./hub.ts";
import { Channel, CHANNEL_METHOD } from "./channel.ts";
import type { Messenger } from "./messenger.ts";
import { describeReport } from "./describe.ts";
import { SessionState, type ToolContext } from "./tool_context.ts";
import { registerSendTools } from "./tools_send.ts";
import { registerPeerTools } from "./tools_peers.ts";
import { registerInboxTools } from "./tools_inbox.ts";
import { registerSearchTool } from "./tools_search.ts";
import type { Inbox } from "./inbox.ts";
import type { NodeKeyFacts } from "./tool_context.ts";
import { fittedInstructions, SERVER_NAME, serverCapabilities } from "./initialize.ts";
import { firstNote, fitInstructions, noteFirstResult } from "./client_fit.ts";
import { registerWaitTool } from "./tools_wait.ts";
import { PERMISSION_METHOD, PermissionRelay, PermissionRequestSchema } from "./permissions.ts";

/** What the MCP side needs from the node. */
export interface McpOptions {
  /** This session's role. */
  role: string;
  /** Server version in the initialize result. */
  version: string;
  /** Source of `recv` events and delivery reports. */
  hub: Hub;
  /** Sends for the tools. */
  messenger: Messenger;
  /** Where received messages are kept, with the history search (the node's store). */
  inbox: Inbox;
  /** Where this node listens, or why it does not (port in use). */
  listening: () => { url?: string; error?: string };
  /**
   * How long unread messages may sit while the session calls tools before peers are told it
   * does not seem to receive channel events, in milliseconds (default 120 000).
   */
  unreadNoticeMs?: number;
  /**
   * Relay permission prompts to the human operator (`claude/channel/permission`): only when an
   * operator key is configured. `timeoutMs` is how long a prompt stays pending.
   */
  permissions?: { timeoutMs: number; log: (line: string) => void };
  /**
   * The role was not set and comes from this project directory (`wanted` before a suffix made
   * it unique): the first tool result says so.
   */
  roleFrom?: { directory: string; wanted: string };
  /**
   * Why the node keeps messages in memory only, or its store moved a damaged file aside: the
   * session hears it in its first tool result and in `list_peers`.
   */
  storeProblem?: string;
  /** This node's key fingerprint and the pins, for `list_peers`. */
  keys?: NodeKeyFacts;
}

/**
 * Creates the MCP server (the MCP SDK's `McpServer`) and the {@linkcode Channel} that hands
 * received messages to its session. Connect the server to a transport; channel events that
 * arrive before the client sent `notifications/initialized` are held and flushed afterwards.
 *
 * @returns the server, its channel, and a function that detaches it from the hub.
 */
export function createMcpServer(
  options: McpOptions,
): {
  server: McpServer;
  channel: Channel;
  session: SessionState;
  permissions?: PermissionRelay;
  detach: () => void;
} {
  const { hub, messenger, role } = options;
  const status = messenger.status();
  const operator = options.permissions !== undefined;
  // The same answer as the start-up front end gives before this server has loaded.
  const server = new McpServer(
    { name: SERVER_NAME, version: options.version },
    { capabilities: serverCapabilities(operator) },
  );
  const channels = fitInstructions(server, (channels) =>
    fittedInstructions({
      role,
      peers: messenger.peers.map((p) => p.name),
      presence: status.online !== undefined ? status.scope : undefined,
      operator,
    }, channels));
  noteFirstResult(
    server,
    () =>
      firstNote(role, {
        channels: channels(),
        roleFrom: options.roleFrom,
        storeProblem: options.storeProblem,
      }),
  );

  const channel = new Channel({
    send: (event) => server.server.notification({ method: CHANNEL_METHOD, params: { ...event } }),
    describeReport,
    inbox: options.inbox,
  });
  const offReport = hub.onReport((r) => channel.report(r));
  const permissions = options.permissions && new PermissionRelay({
    role,
    timeoutMs: options.permissions.timeoutMs,
    log: options.permissions.log,
    notice: (event, data) => hub.notice(event, data),
    send: (params) => server.server.notification({ method: PERMISSION_METHOD, params }),
  });
  if (permissions) {
    server.server.setNotificationHandler(
      PermissionRequestSchema,
      (n) => permissions.request(n.params),
    );
  }
  const detach = () => {
    offReport();
    channel.close();
    permissions?.close();
  };
  server.server.oninitialized = () => channel.markReady();

  const session = new SessionState(channel, options.unreadNoticeMs);
  if (permissions) session.onActivity = () => permissions.activity();
  const ctx: ToolContext = {
    server,
    role,
    messenger,
    channel,
    session,
    listening: options.listening,
    storeProblem: options.storeProblem,
    notice: (event, data) => hub.notice(event, data),
    keys: options.keys,
  };
  registerSendTools(ctx);
  registerPeerTools(ctx);
  registerInboxTools(ctx);
  registerSearchTool(ctx);
  registerWaitTool(ctx);

  return { server, channel, session, permissions, detach };
}
