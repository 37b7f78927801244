/**
 * The MCP side of the harness: a transport over a node's stdio, a real MCP `Client` with the
 * strict channel-event schema of claude-channels.md §7, and checks that stdout stays JSON-RPC.
 *
 * @module
 */

import type { z } from "zod";
import { ChannelEventSchema } from "../../src/node/channel.ts";
import {
  type CallToolResult,
  Client,
  ElicitRequestSchema,
  type Transport,
} from "../../src/platform/sdk.ts";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/shared/stdio.d.ts"
import { deserializeMessage, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { NodeProcess } from "./node_process.ts";
import { waitFor } from "./wait.ts";

/** A JSON-RPC message as the SDK's transports carry it. */
type Message = Parameters<Transport["send"]>[0];

/** The strict channel-event schema: what Claude Code would accept. */
export { ChannelEventSchema };

/** One channel event as the client received it. */
export type ChannelEvent = z.infer<typeof ChannelEventSchema>["params"];

/** A meta key Claude Code keeps (others are dropped one by one). */
export const META_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * An MCP transport over a child's stdio that parses each stdout line with the SDK's
 * `deserializeMessage` and writes with `serializeMessage`. The raw lines stay in the
 * {@linkcode NodeProcess}.
 */
export class ChildTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: Message) => void;
  /** The protocol revision the client negotiated. */
  protocolVersion?: string;
  #node: NodeProcess;
  #listen: (listener: ((line: string) => void) | undefined) => void;
  #closed = false;

  constructor(node: NodeProcess, listen: (l: ((line: string) => void) | undefined) => void) {
    this.#node = node;
    this.#listen = listen;
  }

  start(): Promise<void> {
    // Lines written before anyone listened (there should be none) are delivered first.
    for (const line of this.#node.stdoutLines) this.#line(line);
    this.#listen((line) => this.#line(line));
    this.#node.child.once("exit", () => this.close());
    return Promise.resolve();
  }

  #line(line: string): void {
    if (line.trim() === "") return;
    try {
      this.onmessage?.(deserializeMessage(line));
    } catch (e) {
      this.onerror?.(new Error(`stdout line is not JSON-RPC: ${line.slice(0, 200)} (${e})`));
    }
  }

  send(message: Message): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("Transport closed"));
    return new Promise((resolve, reject) => {
      this.#node.child.stdin!.write(serializeMessage(message), (e) => e ? reject(e) : resolve());
    });
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#listen(undefined);
    this.onclose?.();
    return Promise.resolve();
  }
}

/** An MCP client session with a node, collecting the channel events that pass the schema. */
export class McpSession {
  readonly client: Client;
  readonly transport: ChildTransport;
  /** Channel events in arrival order. */
  readonly events: ChannelEvent[] = [];
  /** Errors the client reported (unparsable lines, events failing the strict schema, …). */
  readonly errors: Error[] = [];

  /** Elicitation requests the node made (MCP `elicitation/create`), in order. */
  readonly elicitations: { message: string }[] = [];

  /**
   * @param options.elicit makes the client declare MCP elicitation and answer each request
   *   with this action, as a user at a dialog would.
   * @param options.clientName the `clientInfo.name` sent in initialize: Claude Code's
   *   (`claude-code`) by default; another name plays a client without channel events.
   */
  constructor(
    transport: ChildTransport,
    options: { elicit?: "accept" | "decline" | "cancel"; clientName?: string } = {},
  ) {
    this.transport = transport;
    this.client = new Client(
      { name: options.clientName ?? "claude-code", version: "0.0.0" },
      options.elicit ? { capabilities: { elicitation: {} } } : {},
    );
    if (options.elicit) {
      const action = options.elicit;
      this.client.setRequestHandler(ElicitRequestSchema, (request) => {
        this.elicitations.push({ message: String(request.params.message) });
        return { action, ...(action === "accept" ? { content: {} } : {}) };
      });
    }
    this.client.onerror = (e) => this.errors.push(e);
    this.client.setNotificationHandler(ChannelEventSchema, (n) => {
      this.events.push(n.params);
    });
  }

  /** Waits until at least `count` events arrived in all; returns those after `from`. */
  async waitForEvents(count: number, options: { from?: number; timeoutMs?: number } = {}) {
    const from = options.from ?? 0;
    await waitFor(
      () => this.events.length >= from + count,
      `${count} channel event(s) after #${from} (have ${this.events.length - from}: ` +
        `${JSON.stringify(this.events.slice(from))}; client errors: ${this.errors.join("; ")})`,
      options.timeoutMs ?? 10_000,
    );
    return this.events.slice(from, from + count);
  }

  /** Calls a tool and returns its result (never throws for an `isError` result). */
  async call(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    return await this.client.callTool({ name, arguments: args }) as CallToolResult;
  }
}

/** The text of a tool result (its text parts joined). */
export function resultText(result: CallToolResult): string {
  return result.content.map((c) => c.type === "text" ? c.text : `[${c.type}]`).join("\n");
}

/**
 * Checks that every line is one JSON-RPC 2.0 message: a request, a notification or a response.
 *
 * @returns a list of problems, empty when all lines are fine.
 */
export function jsonRpcProblems(lines: readonly string[]): string[] {
  const problems: string[] = [];
  lines.forEach((line, i) => {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line);
      deserializeMessage(line);
    } catch (e) {
      problems.push(`line ${i + 1} is not JSON-RPC (${e}): ${line.slice(0, 200)}`);
      return;
    }
    const ok = m !== null && typeof m === "object" && !Array.isArray(m) &&
      m.jsonrpc === "2.0" &&
      ((typeof m.method === "string") || ("id" in m && ("result" in m || "error" in m)));
    if (!ok) problems.push(`line ${i + 1} is not a JSON-RPC 2.0 message: ${line.slice(0, 200)}`);
  });
  return problems;
}
