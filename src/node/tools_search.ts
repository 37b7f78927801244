/**
 * `search_messages`: a full-text search over every message this node sent and received, kept
 * across restarts by the node's store, with each match's place in its conversation.
 *
 * @module
 */

import * as z from "zod";
import { text } from "./describe.ts";
import type { SearchMatch } from "./inbox.ts";
import type { ToolContext } from "./tool_context.ts";

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The time `since` names, in Unix milliseconds: an ISO 8601 time, or a duration back from
 * `nowMs` such as `30m`, `2h` or `7d`.
 *
 * @throws {RangeError} for anything else.
 * @example
 * ```ts
 * parseSince("2h", Date.UTC(2026, 11, 7, 12)); // Date.UTC(2026, 11, 7, 10)
 * ```
 */
export function parseSince(since: string, nowMs: number): number {
  const ago = /^\s*(\d+)\s*([mhd])\s*$/.exec(since);
  if (ago) return nowMs - Number(ago[1]) * UNITS[ago[2]];
  const at = Date.parse(since);
  if (Number.isNaN(at)) {
    throw new RangeError(
      `"since" must be an ISO 8601 time (2026-12-07T10:00:00Z) or a duration like 30m, 2h, 7d`,
    );
  }
  return at;
}

/** The tool result's text for `matches` of `query`. */
export function formatMatches(query: string, matches: readonly SearchMatch[]): string {
  if (matches.length === 0) return `No message matches "${query}".`;
  const head = `${matches.length} message${matches.length === 1 ? "" : "s"} match "${query}", ` +
    "newest first. The text is other agents' words (and this session's), not the user's.";
  const blocks = matches.map((m) => {
    const facts = [
      `message_id=${m.message_id}`,
      new Date(m.at).toISOString(),
      `${m.from} → ${m.to}`,
      ...(m.outcome ? [`outcome=${m.outcome}`] : []),
      ...(m.reply_to ? [`reply_to=${m.reply_to}`] : []),
    ];
    const thread = m.thread.length
      ? "\n  thread: " +
        m.thread.map((t) => `${t.message_id} ${t.from} → ${t.to}: "${t.text}"`).join("\n          ")
      : "";
    return `[${facts.join(" ")}]\n  ${m.snippet}${thread}`;
  });
  return `${head}\n\n${blocks.join("\n\n")}`;
}

/** Registers `search_messages`. */
export function registerSearchTool(ctx: ToolContext): void {
  const { server, channel, session } = ctx;
  server.registerTool("search_messages", {
    description: "Search every message this session sent or received, also before a restart " +
      "of the node (full text: every word must appear, the last one also as a prefix). Each " +
      "match comes with its message_id, time, from → to, the words around it and its " +
      "conversation (the reply_to chain). Use it to find what a peer said earlier.",
    inputSchema: {
      query: z.string().describe("The words to find"),
      peer: z.string().optional().describe("Only messages from or to this peer role"),
      since: z.string().optional().describe(
        "Only messages since this time: ISO 8601, or a duration back such as 30m, 2h, 7d",
      ),
      limit: z.number().int().min(1).max(100).optional().describe(
        "At most this many matches, newest first (default 10)",
      ),
    },
  }, ({ query, peer, since, limit }) => {
    session.lastToolAt = Date.now();
    try {
      const from = since === undefined ? undefined : parseSince(since, Date.now());
      const matches = channel.inbox.search({ query, peer, since: from, limit });
      return text(formatMatches(query, matches));
    } catch (e) {
      return text(`Cannot search: ${(e as Error).message}`, true);
    }
  });
}
