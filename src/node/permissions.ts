/**
 * The permission relay (Claude Code Channels, `claude/channel/permission`): Claude Code sends a
 * `permission_request` when a tool call would prompt; the node shows it to `/events` watchers
 * and keeps it pending until the human operator answers with a signed verdict, the prompt
 * times out, or the session shows activity again (it was answered at the terminal: Claude Code
 * never says so).
 *
 * @module
 */

import * as z from "zod";
import { shownLine } from "../core/shown_text.ts";

/** Method of the request Claude Code sends. */
export const PERMISSION_REQUEST_METHOD = "notifications/claude/channel/permission_request";
/** Method of the verdict the node sends back. */
export const PERMISSION_METHOD = "notifications/claude/channel/permission";

/** The notification Claude Code sends when a tool call would prompt. */
export const PermissionRequestSchema = z.object({
  method: z.literal(PERMISSION_REQUEST_METHOD),
  params: z.object({
    request_id: z.string().min(1).max(64),
    tool_name: z.string().max(256),
    description: z.string().max(4096),
    input_preview: z.string().max(16_384),
  }),
});

/** One request as Claude Code sent it. */
export type PermissionRequest = z.infer<typeof PermissionRequestSchema>["params"];

/** A verdict: exactly `allow` or `deny`. */
export type Behavior = "allow" | "deny";

/** A pending request and when it arrived (ms). */
export interface PendingPrompt extends PermissionRequest {
  /** Arrival, Unix ms. */
  at: number;
}

/** Options of {@linkcode PermissionRelay}. */
export interface RelayOptions {
  /** This node's role, in notices. */
  role: string;
  /** Sends the verdict notification to Claude Code. */
  send: (params: { request_id: string; behavior: Behavior }) => Promise<void>;
  /** Tells `/events` watchers (`permission_request`, `permission_verdict`, `permission_expired`). */
  notice: (event: string, data: Record<string, unknown>) => void;
  /** Audit lines for stderr. */
  log: (line: string) => void;
  /** How long a request stays pending, ms. */
  timeoutMs: number;
  /** Most requests pending at once; the oldest goes first (default 32). */
  maxPending?: number;
  /** Clock, Unix ms. */
  now?: () => number;
}

/**
 * A pending prompt as `/events` shows it (the `permission_request` data, and each entry of the
 * hello's `permission_requests`): `{role, request_id, tool_name, description, input_preview, at}`.
 */
export function promptData(role: string, p: PendingPrompt): Record<string, string> {
  return {
    role,
    request_id: p.request_id,
    tool_name: p.tool_name,
    description: p.description,
    input_preview: p.input_preview,
    at: new Date(p.at).toISOString(),
  };
}

/** What became of a verdict: `sent`, or `not_pending` (unknown, expired or answered). */
export type VerdictOutcome = "sent" | "not_pending";

/** Pending permission prompts of one session, and the verdicts sent for them. */
export class PermissionRelay {
  #o: Required<RelayOptions>;
  #pending = new Map<string, PendingPrompt>();
  #timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** Makes an empty relay. */
  constructor(options: RelayOptions) {
    this.#o = { maxPending: 32, now: Date.now, ...options };
  }

  /** Requests pending now, oldest first. */
  pending(): PendingPrompt[] {
    return [...this.#pending.values()];
  }

  /** Claude Code asked: remember the request and tell the watchers. */
  request(request: PermissionRequest): void {
    const id = request.request_id.toLowerCase();
    const at = this.#o.now();
    this.#drop(id);
    while (this.#pending.size >= this.#o.maxPending) {
      this.#expire(this.#pending.keys().next().value!, "too many pending");
    }
    this.#pending.set(id, { ...request, request_id: id, at });
    const timer = setTimeout(() => this.#expire(id, "timed out"), this.#o.timeoutMs);
    // A pending prompt must not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
    this.#timers.set(id, timer);
    this.#o.notice("permission_request", promptData(this.#o.role, this.#pending.get(id)!));
    this.#o.log(`permission prompt ${id} pending: ${shownLine(request.tool_name, 80)}`);
  }

  /**
   * The operator's verdict on `requestId` (any case). Sends `{request_id, behavior}` in lower
   * case to Claude Code when the request is pending.
   *
   * @param by who answered, for the audit (`operator <operator-id>`).
   */
  async verdict(requestId: string, behavior: Behavior, by: string): Promise<VerdictOutcome> {
    const id = requestId.toLowerCase();
    const prompt = this.#pending.get(id);
    if (!prompt) return "not_pending";
    this.#drop(id);
    await this.#o.send({ request_id: id, behavior });
    const at = new Date(this.#o.now()).toISOString();
    this.#o.notice("permission_verdict", {
      role: this.#o.role,
      request_id: id,
      behavior,
      tool_name: prompt.tool_name,
      by,
      at,
    });
    this.#o.log(
      `permission ${id} (${shownLine(prompt.tool_name, 80)}): ${behavior} by ${by} at ${at}`,
    );
    return "sent";
  }

  /** The session called a tool: prompts from before were answered at the terminal. */
  activity(): void {
    const now = this.#o.now();
    for (const [id, p] of this.#pending) if (p.at < now) this.#expire(id, "session active");
  }

  /** Stops the timers. */
  close(): void {
    for (const id of [...this.#pending.keys()]) this.#drop(id);
  }

  #drop(id: string): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    this.#pending.delete(id);
  }

  #expire(id: string, why: string): void {
    if (!this.#pending.has(id)) return;
    this.#drop(id);
    this.#o.notice("permission_expired", { role: this.#o.role, request_id: id, reason: why });
  }
}
