/**
 * `wait_for_message`: blocks until a peer's message is in the inbox, then returns it as
 * `read_messages` would (marked read, read receipt sent). For clients that show no channel
 * events (Codex, Cursor, `claude -p`), so a session can wait for an answer without polling.
 *
 * @module
 */

import * as z from "zod";
import { text } from "./describe.ts";
import type { Inbox } from "./inbox.ts";
import type { ToolContext } from "./tool_context.ts";
import { readInbox } from "./tools_inbox.ts";

/** How long `wait_for_message` waits by default, in seconds. */
export const WAIT_DEFAULT_SECONDS = 60;
/** The longest wait `wait_for_message` accepts, in seconds. */
export const WAIT_MAX_SECONDS = 600;

/**
 * Resolves when `inbox` holds an unread message (from `from`, when given): `"message"`, at once
 * if one already waits; `"timeout"` after `timeoutMs`; `"aborted"` when `signal` aborts.
 */
export function untilUnread(
  inbox: Inbox,
  options: { from?: string; timeoutMs: number; signal?: AbortSignal },
): Promise<"message" | "timeout" | "aborted"> {
  const { from, timeoutMs, signal } = options;
  if (inbox.unread(from) > 0) return Promise.resolve("message");
  if (signal?.aborted) return Promise.resolve("aborted");
  return new Promise((resolve) => {
    const done = (why: "message" | "timeout" | "aborted") => {
      clearTimeout(timer);
      off();
      signal?.removeEventListener("abort", onAbort);
      resolve(why);
    };
    const onAbort = () => done("aborted");
    const timer = setTimeout(() => done("timeout"), timeoutMs);
    const off = inbox.onAdd(() => {
      if (inbox.unread(from) > 0) done("message");
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Registers `wait_for_message`. */
export function registerWaitTool(ctx: ToolContext): void {
  const { server, channel, session } = ctx;
  server.registerTool("wait_for_message", {
    description: "Wait until a peer's message arrives, then return it and mark it read (the " +
      "sender gets a read receipt). Returns at once when unread messages already wait. Use it " +
      "when this client shows no <channel> events (Codex, Cursor, claude -p) and the session " +
      "waits for an answer, instead of calling read_messages again and again.",
    inputSchema: {
      timeout_seconds: z.number().min(0).max(WAIT_MAX_SECONDS).optional()
        .describe(
          `How long to wait, in seconds (default ${WAIT_DEFAULT_SECONDS}, at most ` +
            `${WAIT_MAX_SECONDS})`,
        ),
      from: z.string().optional().describe("Only a message from this peer role"),
    },
  }, async ({ timeout_seconds, from }, extra) => {
    session.lastToolAt = Date.now();
    const seconds = timeout_seconds ?? WAIT_DEFAULT_SECONDS;
    const why = await untilUnread(channel.inbox, {
      from,
      timeoutMs: seconds * 1000,
      signal: extra.signal,
    });
    session.lastToolAt = Date.now();
    if (why === "aborted") return text("Stopped waiting: the client cancelled the call", true);
    const who = from === undefined ? "" : ` from "${from}"`;
    const others = from === undefined ? 0 : channel.inbox.unread();
    return text(readInbox(
      ctx,
      { unreadOnly: true, from },
      `No message${who} arrived within ${seconds} s.` +
        (others ? ` ${others} unread from others: read_messages reads them.` : ""),
    ));
  });
}
