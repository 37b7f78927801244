/**
 * A stand-in for the Claude Code process, for the hook path: it starts the node command given
 * after its first argument with its own stdio (so the test's MCP client talks to the node as
 * Claude Code would), and runs hooks as Claude Code does, as its own children:
 * `/bin/sh -c <command>` with the hook input JSON on stdin. The node and the waiters are then
 * siblings under one "Claude Code" process, as in a real session.
 *
 * Usage: `deno run -A fake_claude.ts <control dir> <node command…>`. It writes its control port
 * to `<control dir>/port`:
 * - `POST /hook` `{"command","input"}`: runs the hook; answers `{"code","stderr"}` when it exits.
 * - `POST /restart`: stops the node (SIGTERM) and starts it again.
 * - `POST /stop-node`: stops the node; the session goes on.
 *
 * It ends when the node ends (other than by /restart) or on SIGTERM, killing its hooks: a
 * session that ends takes its hooks with it.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

const [control, ...command] = process.argv.slice(2);
const hooks = new Set<ChildProcess>();
let node: ChildProcess;
let restarting = false;

function end(code: number): void {
  for (const h of hooks) h.kill("SIGKILL");
  process.exit(code);
}

function startNode(): void {
  node = spawn(command[0], command.slice(1), { stdio: "inherit" });
  node.once("exit", (code) => {
    if (!restarting) end(code ?? 1);
  });
}

startNode();
for (const s of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(s, () => {
    // With its node stopped (/stop-node), the session ends at once.
    if (node.exitCode !== null || node.signalCode !== null) end(0);
    node.kill(s);
  });
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    if (req.url === "/stop-node") {
      // The node ends (its server was disabled) while the session goes on.
      restarting = true;
      node.once("exit", () => res.end("{}"));
      node.kill("SIGTERM");
      return;
    }
    if (req.url === "/restart") {
      restarting = true;
      node.once("exit", () => {
        restarting = false;
        startNode();
        res.end("{}");
      });
      node.kill("SIGTERM");
      return;
    }
    const { command: hook, input } = JSON.parse(Buffer.concat(chunks).toString());
    const child = spawn("/bin/sh", ["-c", hook], { stdio: ["pipe", "ignore", "pipe"] });
    hooks.add(child);
    let stderr = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (c: string) => stderr += c);
    child.stdin!.on("error", () => {});
    child.stdin!.end(JSON.stringify(input));
    child.once("close", (code) => {
      hooks.delete(child);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ code, stderr }));
    });
  });
});
server.requestTimeout = 0;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  writeFileSync(join(control, "port"), String(port));
});
// The control server alone must not keep a session alive whose node ended.
server.unref();
