/**
 * The MCP stdio transport of a node whose start-up front end answered `initialize` already:
 * the server reads the whole session from its first line (so it knows the client's
 * capabilities and version), and its own answer to that one request is not sent again.
 *
 * @module
 */

import process from "node:process";
import type { Readable, Writable } from "node:stream";
import type { JSONRPCMessage } from "./sdk.ts";
import { BatchedStdioServerTransport } from "./stdio.ts";

/**
 * A {@linkcode BatchedStdioServerTransport} that drops the server's first response to the
 * request id `answered` (the `initialize` the front end answered); every other message goes
 * out as before.
 *
 * @example
 * ```ts ignore
 * await mcpServer.connect(new HandoverStdioTransport(gate.handOver(), 0));
 * ```
 */
export class HandoverStdioTransport extends BatchedStdioServerTransport {
  #answered: { id: string | number } | undefined;

  /**
   * @param stdin the session from its first byte (`StdinGate.handOver`).
   * @param answered the id of the request already answered, if any.
   * @param stdout defaults to `process.stdout`.
   */
  constructor(
    stdin: Readable,
    answered: string | number | undefined,
    stdout: Writable = process.stdout,
  ) {
    super(stdin, stdout);
    this.#answered = answered === undefined ? undefined : { id: answered };
  }

  /** Sends `message`, unless it is the one answer the client already has. */
  override send(message: JSONRPCMessage): Promise<void> {
    const answered = this.#answered;
    if (
      answered && "id" in message && message.id === answered.id &&
      ("result" in message || "error" in message)
    ) {
      this.#answered = undefined;
      return Promise.resolve();
    }
    return super.send(message);
  }
}
