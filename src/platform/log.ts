/**
 * Logging to stderr. stdout belongs to MCP: nothing else may ever be written there.
 *
 * @module
 */

import process from "node:process";

/** Writes `text` to `stream`, ignoring a stream that is already closed (EPIPE). */
export function writeTo(stream: NodeJS.WriteStream, text: string): void {
  try {
    stream.write(text);
  } catch { /* closed: nothing to tell */ }
}

/** A logger that prefixes each line with the node's role. */
export type Logger = (message: string) => void;

/**
 * Creates a logger writing `[talkie-walkie:<role>] message` lines to stderr. A closed stderr
 * (EPIPE) is ignored rather than crashing the node.
 */
export function createLogger(role: string): Logger {
  return (message: string) => writeTo(process.stderr, `[talkie-walkie:${role}] ${message}\n`);
}
