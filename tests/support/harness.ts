/**
 * End-to-end test harness: real node processes (`deno run -A main.ts`) driven over stdio by a
 * real MCP `Client` with the strict channel-event schema of claude-channels.md §7.
 *
 * Every wait is bounded, every stdout line is recorded so a test can check it is JSON-RPC, and
 * {@linkcode NodeProcess.stop} always ends the child (SIGKILL as the last resort).
 *
 * This module only gathers the pieces, so tests import one place:
 * - `wait.ts`: {@linkcode waitFor}
 * - `node_process.ts`: {@linkcode NodeProcess}, {@linkcode ROOT}
 * - `mcp_session.ts`: {@linkcode McpSession}, {@linkcode ChildTransport}, the channel-event
 *   schema, {@linkcode resultText}, {@linkcode jsonRpcProblems}
 * - `mesh.ts`: {@linkcode freePorts}, {@linkcode randomSecret}, {@linkcode startMesh}
 * - `sse_reader.ts`: {@linkcode SseStream}, {@linkcode readSse}, {@linkcode parseSse}
 *
 * @module
 */

export { waitFor, type WaitOptions } from "./wait.ts";
export { type Exit, type NodeOptions, NodeProcess, ROOT, sharedDenoDir } from "./node_process.ts";
export {
  type ChannelEvent,
  ChannelEventSchema,
  ChildTransport,
  jsonRpcProblems,
  McpSession,
  META_KEY,
  resultText,
} from "./mcp_session.ts";
export { freePorts, Mesh, randomSecret, startMesh } from "./mesh.ts";
export { parseSse, parseSseBlock, readSse, type SseEvent, SseStream } from "./sse_reader.ts";
