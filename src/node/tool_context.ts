/**
 * What the MCP tools share: the server, the messenger, the channel with its inbox, and the
 * session's own state (its status line, when it last called a tool).
 *
 * @module
 */

import type { McpServer } from "../platform/sdk.ts";
import type { Channel } from "./channel.ts";
import type { Messenger } from "./messenger.ts";

/** The longest status line, in characters. */
export const STATUS_MAX_LENGTH = 200;

/** The session as its peers may see it: status line, unread messages, whether it hears. */
export class SessionState {
  /** The status line set with `set_status`, neutralised and bounded. */
  status?: string;
  #lastToolAt = 0;
  /** Called whenever the session calls a tool of this node (it is not stuck on a prompt). */
  onActivity?: () => void;
  #channel: Channel;
  /** How long unread messages may sit before they count, in milliseconds. */
  readonly noticeMs: number;

  /**
   * @param noticeMs how long unread messages may sit while the session keeps calling tools
   *   before it is said not to receive channel events (default 120 000 ms); also how old a
   *   message delivered to a peer must be to count as not yet read.
   */
  constructor(channel: Channel, noticeMs = 120_000) {
    this.#channel = channel;
    this.noticeMs = noticeMs;
  }

  /** When the session last called a tool of this node, in Unix milliseconds. */
  get lastToolAt(): number {
    return this.#lastToolAt;
  }

  set lastToolAt(ms: number) {
    this.#lastToolAt = ms;
    this.onActivity?.();
  }

  /** Unread messages in the inbox. */
  get unread(): number {
    return this.#channel.inbox.unread();
  }

  /**
   * Whether channel events do not seem to reach the model: at least 3 messages stayed unread
   * for the notice time while the session went on calling tools of this node.
   */
  get channelUnlikely(): boolean {
    return this.#channel.inbox.unreadSince(this.lastToolAt - this.noticeMs) >= 3;
  }

  /** What `/health` tells authenticated peers. */
  info(): { unread: number; status?: string; channel_events?: "unlikely" } {
    return {
      unread: this.unread,
      ...(this.status ? { status: this.status } : {}),
      ...(this.channelUnlikely ? { channel_events: "unlikely" as const } : {}),
    };
  }
}

/** Everything a tool needs. */
export interface ToolContext {
  /** The MCP server the tools are registered on. */
  server: McpServer;
  /** This session's role. */
  role: string;
  /** Sends, probes and receipts. */
  messenger: Messenger;
  /** The session side, with the inbox. */
  channel: Channel;
  /** The session's own state. */
  session: SessionState;
  /** Where this node listens, or why it does not. */
  listening: () => { url?: string; error?: string };
  /** Why the node's store is not what it should be (memory only, moved aside), if so. */
  storeProblem?: string;
  /** Tells `/events` watchers a live fact (the hub's notice). */
  notice: (event: string, data: Record<string, unknown>) => void;
  /** This node's key fingerprint, and the one each role is pinned to. */
  keys?: NodeKeyFacts;
}

/** What `list_peers` shows of node keys. */
export interface NodeKeyFacts {
  /** This node's fingerprint, `SHA256:…`. */
  own: string;
  /** The fingerprint `role` is pinned to, if any. */
  pinned: (role: string) => string | undefined;
}

/**
 * A line for tool results when the inbox holds unread messages, so a session without channel
 * events learns of them the next time it sends; empty otherwise.
 */
export function unreadLine(session: SessionState): string {
  const n = session.unread;
  return n === 0
    ? ""
    : `\n${n} unread message${n === 1 ? "" : "s"}: call read_messages to read ${
      n === 1 ? "it" : "them"
    }.`;
}
