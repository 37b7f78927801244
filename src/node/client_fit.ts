/**
 * What a node tells the client that connected, fitted to it: the initialize result's
 * `instructions` (Claude Code shows channel events; other clients read the inbox), and one note
 * added to the first tool result (how this session got its name, where messages wait).
 *
 * @module
 */

import {
  type CallToolResult,
  InitializeRequestSchema,
  type InitializeResult,
  type McpServer,
} from "../platform/sdk.ts";
import { hearsChannelEvents } from "../core/instructions.ts";
import { shownLine } from "../core/shown_text.ts";

/**
 * Answers `initialize` with instructions written for the connecting client: `build(channels)`
 * gets whether its `clientInfo.name` is Claude Code's. The SDK's own initialize (protocol
 * version, capabilities) still runs; only `instructions` is replaced.
 *
 * @returns whether the connected client shows channel events (true until one initializes).
 */
export function fitInstructions(
  server: McpServer,
  build: (channels: boolean) => string,
): () => boolean {
  let channels = true;
  // The SDK takes instructions once, at construction; the client is known only now.
  const sdk = server.server as unknown as {
    _oninitialize(request: unknown): Promise<InitializeResult>;
  };
  server.server.setRequestHandler(InitializeRequestSchema, async (request) => {
    channels = hearsChannelEvents(request.params.clientInfo?.name);
    const result = await sdk._oninitialize(request);
    return { ...result, instructions: build(channels) };
  });
  return () => channels;
}

/**
 * Adds `note()` (when not empty) as a last paragraph to the first result of any tool
 * registered on `server` from now on. Call it before the tools are registered.
 */
export function noteFirstResult(server: McpServer, note: () => string): void {
  let told = false;
  const register = server.registerTool.bind(server);
  server.registerTool =
    // deno-lint-ignore no-explicit-any
    ((name: string, config: any, callback: any) =>
      register(name, config, async (...args: unknown[]) => {
        const result: CallToolResult = await callback(...args);
        if (told) return result;
        told = true;
        const text = note();
        return text ? { ...result, content: [...result.content, { type: "text", text }] } : result;
      })) as typeof server.registerTool;
}

/**
 * The first tool result's note: how the role was chosen when the project directory named it,
 * for a client without channel events where messages wait, and why nothing is kept across a
 * restart when the store could not be used.
 */
export function firstNote(
  role: string,
  options: {
    channels: boolean;
    roleFrom?: { directory: string; wanted: string };
    storeProblem?: string;
  },
): string {
  const lines: string[] = [];
  if (options.storeProblem) lines.push(`Store: ${shownLine(options.storeProblem, 400)}`);
  const from = options.roleFrom;
  if (from) {
    lines.push(
      `This session is "${role}" in the mesh, named after its project directory ` +
        `${shownLine(from.directory, 200)}` +
        (from.wanted !== role ? ` ("${from.wanted}" was taken by another session)` : "") +
        ". Set MY_ROLE to choose another name.",
    );
  }
  if (!options.channels) {
    lines.push(
      "Messages from peers wait in this session's inbox: read_messages reads them, " +
        "wait_for_message waits for the next one.",
    );
  }
  return lines.join("\n");
}
