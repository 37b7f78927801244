/**
 * The real Claude Code CLI: two plain `claude` sessions (no channel flag) in tmux, in projects
 * set up by `init --hooks`, against a fake Messages API on loopback (`ANTHROPIC_BASE_URL`). The
 * first prompt is the only thing typed: "alpha" asks "beta" a question, beta's waiter wakes it,
 * beta answers, alpha's waiter wakes alpha with the answer, and alpha's list_peers says beta's
 * session has seen the question. Skipped (with the reason) without a `claude` binary or tmux.
 */

import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { claudeBinary, claudeSkip } from "../support/claude_cli.ts";
import { ROOT, sharedDenoDir, waitFor } from "../support/harness.ts";

const skip = claudeSkip();
// deno test shows a skipped test as "ignored" without the reason: say it.
if (skip) console.error(`real Claude Code tests skipped: ${skip}`);

/** One logged request of the fake API. */
interface Logged {
  role?: string;
  tools?: string[];
  last: string;
  reply: { tool?: string; input?: Record<string, string>; text?: string };
}

describe("two plain claude sessions talk through hooks", { skip }, () => {
  let dir: string, api: ChildProcess;
  const socket = `talkie-${process.pid}`;
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const logged = (): Logged[] => {
    try {
      return readFileSync(join(dir, "api.log"), "utf8").trim().split("\n").filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  };
  const screens = () =>
    ["alpha", "beta"].map((r) => `== ${r}\n${tmux("capture-pane", "-p", "-t", r)}`).join("\n");
  /** waitFor, and on a timeout what the two terminals and the fake API saw. */
  const waitShowing = async <T>(check: () => T | undefined | false, what: string, ms: number) => {
    try {
      return await waitFor(check, what, ms);
    } catch (e) {
      const seen = JSON.stringify(logged(), null, 1).slice(-6000);
      throw new Error(`${(e as Error).message}\n${screens()}\nrequests: ${seen}`);
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "talkie-claude-cli-"));
    const reg = join(dir, "reg");
    mkdirSync(reg, { mode: 0o700 });
    chmodSync(reg, 0o700);
    mkdirSync(join(dir, "home"));
    mkdirSync(join(dir, "tmp"));
    api = spawn(process.execPath, [
      "run",
      "-A",
      join(ROOT, "tests/support/fake_messages_api.mjs"),
      join(dir, "api.port"),
      join(dir, "api.log"),
      "alpha",
      "beta",
    ], { stdio: "ignore", env: { ...process.env, DENO_DIR: sharedDenoDir() } });
    const port = await waitFor(() => {
      try {
        return readFileSync(join(dir, "api.port"), "utf8") || undefined;
      } catch {
        return undefined;
      }
    }, "the fake API's port");
    const deno = process.execPath;
    const nodeEnv = { INTERCOM_LOCAL_DIR: reg, DENO_DIR: sharedDenoDir(), NO_COLOR: "1" };
    for (const role of ["alpha", "beta"]) {
      const project = join(dir, role);
      mkdirSync(join(project, ".claude"), { recursive: true });
      writeFileSync(
        join(project, ".mcp.json"),
        JSON.stringify({
          mcpServers: {
            "talkie-walkie": {
              command: deno,
              args: ["run", "-A", join(ROOT, "main.ts")],
              env: {
                ...nodeEnv,
                MY_ROLE: role,
                INTERCOM_PORT: "auto",
                XDG_STATE_HOME: join(dir, `state-${role}`),
              },
            },
          },
        }),
      );
      // Tools allowed and the project's server enabled: nobody answers a dialog.
      writeFileSync(
        join(project, ".claude", "settings.json"),
        JSON.stringify({
          permissions: { allow: ["mcp__talkie-walkie"] },
          enableAllProjectMcpServers: true,
        }),
      );
      const vars = Object.entries(nodeEnv).map(([k, v]) => `${k}=${v}`).join(" ");
      execFileSync(deno, [
        "run",
        "-A",
        join(ROOT, "main.ts"),
        "init",
        "--hooks",
        "--command",
        `${vars} ${deno} run -A ${join(ROOT, "main.ts")} hook`,
      ], { cwd: project, env: { ...process.env, DENO_DIR: sharedDenoDir() } });
    }
    const key = "sk-ant-api03-fake-key-for-tests-0123456789abcdefghij";
    // Onboarding done, both workspaces trusted, the API key approved: no first-run dialogs.
    writeFileSync(
      join(dir, "home", ".claude.json"),
      JSON.stringify({
        hasCompletedOnboarding: true,
        theme: "dark",
        numStartups: 5,
        customApiKeyResponses: { approved: [key.slice(-20)], rejected: [] },
        projects: Object.fromEntries(["alpha", "beta"].map((r) => [join(dir, r), {
          hasTrustDialogAccepted: true,
          enabledMcpjsonServers: ["talkie-walkie"],
          hasCompletedProjectOnboarding: true,
        }])),
      }),
    );
    const env = [
      `HOME=${join(dir, "home")}`,
      // Claude Code's own temp files (sockets, session data) go with the test's folder.
      `TMPDIR=${join(dir, "tmp")}`,
      `ANTHROPIC_BASE_URL=http://127.0.0.1:${port}`,
      `ANTHROPIC_API_KEY=${key}`,
      "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
      "DISABLE_AUTOUPDATER=1",
      // MCP tools in the request itself, not behind a tool search.
      "ENABLE_TOOL_SEARCH=false",
      "TERM=xterm-256color",
    ].join(" ");
    for (const role of ["beta", "alpha"]) {
      tmux("new-session", "-d", "-s", role, "-x", "200", "-y", "50", "-c", join(dir, role));
      tmux("send-keys", "-t", role, `env ${env} ${claudeBinary()}`, "Enter");
    }
    // Both nodes registered and both SessionStart waiters running.
    await waitShowing(
      () => {
        let hooks = 0;
        for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
          try {
            const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8");
            // The hook's shell: /bin/sh -c "INTERCOM_LOCAL_DIR=<reg> … main.ts hook".
            if (argv.includes(`INTERCOM_LOCAL_DIR=${reg}`) && /main\.ts hook\0?$/.test(argv)) {
              hooks++;
            }
          } catch { /* gone */ }
        }
        try {
          return hooks >= 2 && readdirSync(join(reg, "hooks")).length >= 2;
        } catch {
          return false;
        }
      },
      "two nodes and two waiters",
      90_000,
    );
  });

  /** Every process under the terminals (shells, claude, nodes, waiters). */
  const sessionProcesses = (): number[] => {
    const out: number[] = [];
    const visit = (pid: number) => {
      out.push(pid);
      try {
        for (const task of readdirSync(`/proc/${pid}/task`)) {
          const children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8");
          for (const c of children.trim().split(/\s+/).filter(Boolean)) visit(Number(c));
        }
      } catch { /* gone */ }
    };
    try {
      for (const p of tmux("list-panes", "-a", "-F", "#{pane_pid}").trim().split("\n")) {
        visit(Number(p));
      }
    } catch { /* no server */ }
    return out;
  };

  after(async () => {
    const processes = sessionProcesses();
    try {
      tmux("kill-server");
    } catch { /* already gone */ }
    // Claude Code writes its session files as it ends: wait until all of it has ended.
    await waitFor(
      () => processes.every((pid) => !existsSync(`/proc/${pid}`)),
      "the sessions to end",
      30_000,
    ).catch(() =>
      processes.forEach((pid) => {
        try {
          process.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      })
    );
    api?.kill();
    // The sessions' nodes end with their stdin; wait until their entries are gone.
    await waitFor(
      () => {
        try {
          return readdirSync(join(dir, "reg", "hooks")).length === 0;
        } catch {
          return true;
        }
      },
      "the nodes to end",
      20_000,
    ).catch(() => {});
    // Claude Code may still be writing its session files as it ends.
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
  });

  test("a question and its answer with nobody typing after the first prompt; seen reported", async () => {
    // The first prompt; typed again only when Claude Code sent it before the MCP server was
    // connected (a request without its tools).
    for (let attempt = 1;; attempt++) {
      const seen = logged().length;
      tmux("send-keys", "-t", "alpha", "-l", "Please ask beta what 6 times 7 is.");
      tmux("send-keys", "-t", "alpha", "Enter");
      const outcome = await waitShowing(
        () => {
          const fresh = logged().slice(seen);
          if (fresh.some((e) => e.reply.input?.to === "beta")) return "asked";
          return fresh.some((e) => e.tools?.length === 0) && "early";
        },
        "the first prompt's request",
        60_000,
      );
      if (outcome === "asked") break;
      assert.ok(attempt < 5, "the MCP server never connected");
      await new Promise((r) => setTimeout(r, 2_000));
    }
    await waitShowing(
      () => logged().some((e) => /answered; list_peers/.test(e.reply.text ?? "")),
      "the whole exchange",
      120_000,
    );
    const log = logged();
    const asked = log.find((e) => e.role === "alpha" && e.reply.input?.to === "beta")!;
    assert.equal(asked.reply.input?.message, "What is 6 times 7?");
    // beta was woken by its waiter: the hook notification holds the <channel> block.
    const woken = log.find((e) => e.role === "beta" && e.reply.tool)!;
    assert.match(woken.last, /<summary>Message from a peer \(talkie-walkie\)<\/summary>/);
    const question = /<channel source="talkie-walkie" from="alpha" to="beta" message_id="([^"]+)"/
      .exec(woken.last);
    assert.ok(question, woken.last);
    assert.equal(woken.reply.input?.reply_to, question[1]);
    // alpha was woken by the answer, then list_peers said beta's session has seen the question.
    const answered = log.find((e) => e.role === "alpha" && /list_peers/.test(e.reply.tool ?? ""))!;
    assert.match(
      answered.last,
      /from="beta" to="alpha" [^>]*reply_to="[^"]+"[^>]*>\n6 times 7 is 42\./,
    );
    const peers = log.find((e) => /answered; list_peers/.test(e.reply.text ?? ""))!;
    assert.match(peers.last, /- beta .* online .*; 1 seen by its session/);
  });
});
