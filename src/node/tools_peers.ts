/**
 * `list_peers`: who this session is, and every peer with a live status.
 *
 * @module
 */

import { shownLine } from "../core/shown_text.ts";
import { ms, text } from "./describe.ts";
import { type ToolContext, unreadLine } from "./tool_context.ts";

/** Registers `list_peers`. */
export function registerPeerTools(ctx: ToolContext): void {
  const { server, messenger, role, session } = ctx;
  server.registerTool("list_peers", {
    description: "List this session's role and address and every peer of the talkie-walkie " +
      "mesh with a live status (online with latency, offline with the reason).",
    inputSchema: {},
  }, async () => {
    session.lastToolAt = Date.now();
    const here = ctx.listening();
    const status = messenger.status();
    const http = here.url ? `listening on ${here.url}` : `NOT listening: ${here.error}`;
    const own = status.problem
      ? `NOT listening: ${status.problem}`
      : status.where
      ? `on ${status.where}; HTTP ${http}`
      : http;
    const key = ctx.keys ? ` Your node key: ${ctx.keys.own}.` : "";
    const lines = [`You are "${role}", ${own}.${key}${unreadLine(session)}`];
    if (ctx.storeProblem) lines.push(`Store: ${shownLine(ctx.storeProblem, 400)}`);
    if (messenger.peers.length === 0) {
      lines.push(
        status.online !== undefined
          ? `No other session is online in ${status.scope} yet.`
          : "No peers are configured (set PEERS=name=host,…).",
      );
      return text(lines.join("\n"));
    }
    lines.push("Peers:");
    for (const { peer, outcome: o } of await messenger.probeAll()) {
      const status = o.state === "online"
        ? `online (${ms(o.latencyMs)})` +
          (o.role && o.role !== peer.name ? ` as "${o.role}"` : "") +
          (o.authenticated === false
            ? /clock/.test(o.authError ?? "")
              ? `, but it refuses our signatures: ${o.authError}`
              : ", but its INTERCOM_SECRET differs: messages will be refused (401)"
            : "")
        : o.state === "wrong_role"
        ? `wrong role: answers as "${o.role}", check PEERS`
        : `offline: ${o.reason}`;
      const q = messenger.queueStats(peer.name);
      const queue = q.queued
        ? `; ${q.queued} queued${q.lastError ? `, last error: ${q.lastError}` : ""}`
        : "";
      // Read receipts: what was delivered a while ago (a minute by default) and not yet read.
      const unread = messenger.unreadAt(peer.name, session.noticeMs);
      const seen = messenger.seenBy(peer.name);
      const reads = (unread ? `; ${unread} delivered, not yet read` : "") +
        (seen ? `; ${seen} seen by its session` : "");
      const s = o.state === "online" ? o.session : undefined;
      const hears = s?.channelEventsUnlikely
        ? "; does not seem to receive channel events; it reads with read_messages"
        : "";
      // A project directory is a path from a registry file: one bounded line, like a status.
      const doing = (peer.project ? `\n    project: ${shownLine(peer.project, 200)}` : "") +
        (s?.status ? `\n    status: ${s.status}` : "");
      // The node key it is pinned to, once it signed something (trust on first use).
      const pin = ctx.keys?.pinned(peer.name);
      const pinned = pin ? `\n    key: ${pin}` : "";
      lines.push(`- ${peer.name}  ${peer.url}  ${status}${queue}${reads}${hears}${doing}${pinned}`);
    }
    return text(lines.join("\n"));
  });
}
