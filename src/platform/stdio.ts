/**
 * The node's MCP stdio transport: the SDK's `StdioServerTransport` (newline-delimited
 * JSON-RPC, one message a line), except that the messages sent after the first in one turn of
 * the event loop leave together in one write at its end (`setImmediate`). The first is written at
 * once, so a lone message waits for nothing; under a burst of channel events a turn costs two
 * `write` syscalls instead of one per event (Node writes pipes synchronously on Linux).
 *
 * @module
 */

import process from "node:process";
import type { Readable, Writable } from "node:stream";
import { type JSONRPCMessage, StdioServerTransport } from "./sdk.ts";

/**
 * A `StdioServerTransport` that batches writes per tick. `send` resolves once its line was
 * handed to stdout (after `drain` when stdout is full), in order.
 *
 * @example
 * ```ts
 * import { McpServer } from "./sdk.ts";
 * const mcpServer = new McpServer({ name: "talkie-walkie", version: "2.1.0" });
 * await mcpServer.connect(new BatchedStdioServerTransport());
 * ```
 */
export class BatchedStdioServerTransport extends StdioServerTransport {
  #stdout: Writable;
  #lines: string[] = [];
  #sent: (() => void)[] = [];
  #scheduled = false;

  /** @param stdin defaults to `process.stdin`; @param stdout defaults to `process.stdout`. */
  constructor(stdin: Readable = process.stdin, stdout: Writable = process.stdout) {
    super(stdin, stdout);
    this.#stdout = stdout;
  }

  /** Writes `message` now when it is the first of this turn, else queues it for the turn's end. */
  override send(message: JSONRPCMessage): Promise<void> {
    this.#lines.push(JSON.stringify(message) + "\n");
    const sent = new Promise<void>((resolve) => this.#sent.push(resolve));
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
      this.#flush(true);
    }
    return sent;
  }

  /** Writes what is queued, at once; `keepScheduled` while the turn's flush is still to come. */
  #flush(keepScheduled = false): void {
    if (!keepScheduled) this.#scheduled = false;
    if (this.#lines.length === 0) return;
    const text = this.#lines.length === 1 ? this.#lines[0] : this.#lines.join("");
    const sent = this.#sent;
    this.#lines = [];
    this.#sent = [];
    const done = () => {
      for (const resolve of sent) resolve();
    };
    try {
      if (this.#stdout.write(text)) done();
      else this.#stdout.once("drain", done);
    } catch {
      done(); // stdout is gone: the session ended, nothing waits for these lines
    }
  }

  /** Writes what is queued, then closes like the SDK's transport. */
  override async close(): Promise<void> {
    this.#flush();
    await super.close();
  }
}
