/**
 * What the node's HTTP handler reads of a request ({@linkcode HttpRequest}): a fetch `Request`
 * (srvx under Deno, tests) has it, and so has the Node adapter's lightweight view of an
 * `IncomingMessage` (`serve_node.ts`), without pretending to be a whole `Request`.
 *
 * @module
 */

import type { NodeBody } from "./body.ts";

/** The parts of a request the handler reads. */
export interface HttpRequest {
  /** The method, e.g. `POST`. */
  readonly method: string;
  /** The absolute URL (origin from the listener, path and query from the request line). */
  readonly url: string;
  /** The request headers. */
  readonly headers: Headers;
  /** The body: a web stream, or Node's `IncomingMessage`; null for GET and HEAD. */
  readonly body: ReadableStream<Uint8Array> | NodeBody | null;
  /** The client's address (srvx's `request.ip`); none for in-process requests. */
  readonly ip?: string;
}
