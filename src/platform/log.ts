/**
 * Logging to stderr. stdout belongs to MCP: nothing else may ever be written there.
 *
 * @module
 */

import process from "node:process";

/** A logger that prefixes each line with the node's role. */
export type Logger = (message: string) => void;

/**
 * Creates a logger writing `[talkie-walkie:<role>] message` lines to stderr. A closed stderr
 * (EPIPE) is ignored rather than crashing the node.
 */
export function createLogger(role: string): Logger {
  return (message: string) => {
    try {
      process.stderr.write(`[talkie-walkie:${role}] ${message}\n`);
    } catch { /* stderr gone: nothing to tell */ }
  };
}
