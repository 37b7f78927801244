/**
 * A node under a stand-in Claude Code process (`fake_claude.ts`) and the hook waiter run as
 * Claude Code runs it: `/bin/sh -c "<deno> run -A main.ts hook"`, the hook input JSON on stdin,
 * its exit code and stderr returned.
 *
 * @module
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type NodeOptions, NodeProcess, ROOT, sharedDenoDir } from "./node_process.ts";
import { waitFor } from "./wait.ts";

/** What a waiter run ended with. */
export interface HookRun {
  code: number;
  stderr: string;
}

/** The shell command of the waiter, as `init --hooks` writes it for a checkout. */
export function waiterCommand(env: Record<string, string> = {}): string {
  const vars = Object.entries({ DENO_DIR: sharedDenoDir(), NO_COLOR: "1", ...env })
    .map(([k, v]) => `${k}='${v}'`).join(" ");
  return `${vars} '${process.execPath}' run -A '${join(ROOT, "main.ts")}' hook`;
}

/** A node whose parent is a stand-in Claude Code that runs hooks. */
export class HookSession {
  readonly node: NodeProcess;
  readonly control: string;

  private constructor(node: NodeProcess, control: string) {
    this.node = node;
    this.control = control;
  }

  /** Spawns the stand-in with the node under it (`options` as for a node). */
  static spawn(options: NodeOptions): HookSession {
    const control = mkdtempSync(join(tmpdir(), "talkie-claude-"));
    const node = NodeProcess.spawn({
      ...options,
      launcher: [
        process.execPath,
        "run",
        "-A",
        join(ROOT, "tests/support/fake_claude.ts"),
        control,
      ],
    });
    node.child.once("close", () => rmSync(control, { recursive: true, force: true }));
    return new HookSession(node, control);
  }

  async #port(): Promise<string> {
    return await waitFor(() => {
      try {
        return readFileSync(join(this.control, "port"), "utf8") || undefined;
      } catch {
        return undefined;
      }
    }, "the stand-in's control port");
  }

  /**
   * Runs the waiter as Claude Code would and resolves when it exits. `env` adds variables to
   * its command (the registry directory of the node: `XDG_RUNTIME_DIR`).
   */
  async hook(
    input: Record<string, string> = { session_id: "s1", hook_event_name: "Stop" },
    env: Record<string, string> = {},
  ): Promise<HookRun> {
    const port = await this.#port();
    const runtime = join(this.node.stateDir, "run");
    const command = waiterCommand({ XDG_RUNTIME_DIR: runtime, ...env });
    const res = await fetch(`http://127.0.0.1:${port}/hook`, {
      method: "POST",
      body: JSON.stringify({ command, input: { cwd: ROOT, ...input } }),
    });
    return await res.json() as HookRun;
  }

  /** Stops the node and starts it again under the same stand-in (`again`), or only stops it. */
  async restartNode(again = true): Promise<void> {
    const port = await this.#port();
    const route = again ? "restart" : "stop-node";
    await (await fetch(`http://127.0.0.1:${port}/${route}`, { method: "POST" })).text();
  }

  /** The node's hook entry (URL and token), once it registered. */
  async entry(): Promise<{ url: string; token: string; pid: number }> {
    const dir = join(this.node.stateDir, "run", "claude-talkie-walkie", "hooks");
    return await waitFor(() => {
      try {
        const name = readdirSync(dir).find((n) => /^\d+\.json$/.test(n));
        return name ? JSON.parse(readFileSync(join(dir, name), "utf8")) : undefined;
      } catch {
        return undefined;
      }
    }, `a hook entry in ${dir}`);
  }
}
