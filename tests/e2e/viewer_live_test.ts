/**
 * End-to-end: the terminal viewer in tmux, and `viewer --web` in headless Chromium, follow the sessions of one machine
 * (`INTERCOM_PORT=auto`) as they come and go: a named session that has not started is shown
 * "not started" and joins when it starts, every session restarted on a new port is online
 * again, and `viewer` without names shows every local node, also one that starts later.
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import type { Page } from "puppeteer-core";
import { NodeProcess, randomSecret, ROOT, waitFor } from "../support/harness.ts";
import { chromiumSkip, launchChromium } from "../support/chromium.ts";

const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });

describe("the viewer follows this machine's sessions as they come and go", () => {
  const secret = randomSecret();
  const nodes = new Map<string, NodeProcess>();
  const sessions: string[] = [];
  const closers: (() => Promise<void>)[] = [];

  /** `viewer --web` with `args` as a child process, its page open in Chromium. */
  async function webViewer(args: string[]): Promise<Page> {
    const child: ChildProcess = spawn(
      process.execPath,
      ["run", "-A", "main.ts", "viewer", "--web", ...args],
      {
        cwd: ROOT,
        env: { ...process.env, INTERCOM_SECRET: secret, INTERCOM_LOCAL_DIR: registry },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (d) => out += d);
    child.stderr!.resume();
    const exited = new Promise((r) => child.once("exit", r));
    closers.push(async () => {
      child.kill("SIGTERM");
      await exited;
    });
    const url = await waitFor(() => /^http:\S+/m.exec(out)?.[0], "the URL on stdout", 30_000);
    const chromium = await launchChromium();
    closers.push(() => chromium.close());
    const page = await chromium.browser.newPage();
    await page.goto(url, { waitUntil: "domcontentloaded" });
    return page;
  }
  const online = (page: Page, text: string) =>
    page.waitForFunction(`document.getElementById("online")?.textContent === "${text}"`, {
      timeout: 30_000,
    });
  const browser = !chromiumSkip();
  let page: Page | undefined;
  let base = "";
  let registry = "";

  async function start(role: string): Promise<void> {
    const node = NodeProcess.spawn({
      role,
      port: 0,
      secret,
      env: { INTERCOM_PORT: "auto", INTERCOM_LOCAL_DIR: registry },
    });
    nodes.set(role, node);
    await node.waitForStderr(/registered "[\w-]+" at http:\/\/127\.0\.0\.1:\d+/, 60_000);
  }

  function viewer(name: string, args: string[]): () => string {
    const session = `talkie-live-${name}-${process.pid}`;
    sessions.push(session);
    const command = [
      `cd '${ROOT}' &&`,
      `NO_COLOR=1 INTERCOM_SECRET='${secret}' INTERCOM_LOCAL_DIR='${registry}'`,
      `XDG_CONFIG_HOME='${base}'`,
      `'${process.execPath}' run -A main.ts viewer ${args.join(" ")}`,
    ].join(" ");
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "48", command);
    return () => tmux("capture-pane", "-p", "-t", session);
  }

  async function see(screen: () => string, pattern: RegExp, what: string, ms = 30_000) {
    try {
      await waitFor(() => pattern.test(screen()), what, { timeoutMs: ms, everyMs: 100 });
    } catch (e) {
      throw new Error(`${(e as Error).message}; screen:\n${screen()}`);
    }
  }

  before(async () => {
    base = mkdtempSync(join(tmpdir(), "talkie-live-"));
    registry = join(base, "registry");
    await Promise.all(["backend", "frontend", "tester"].map(start));
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    for (const session of sessions) {
      try {
        tmux("kill-session", "-t", session);
      } catch { /* already gone */ }
    }
    await Promise.all([...nodes.values()].map((n) => n.stop()));
    rmSync(base, { recursive: true, force: true });
  });

  test("a named session that has not started waits as not started, then joins", async () => {
    const named = viewer("named", ["backend", "frontend", "tester", "docs"]);
    await see(named, /4 watched · 3 online/, "three of four online");
    await see(named, /not started/, "docs not started");
    if (browser) {
      page = await webViewer(["backend", "frontend", "tester", "docs"]);
      await online(page, "3 of 4 online");
      await page.waitForFunction(
        `document.querySelector('[data-desk="docs"]')?.dataset.mood === "not-started"`,
      );
    }
    await start("docs");
    await see(named, /4 watched · 4 online/, "docs online once it started");
    if (page) await online(page, "4 of 4 online");
  });

  test("every session restarted on a new port is online again within 15 s", async () => {
    const named = viewer("restart", ["backend", "frontend", "tester", "docs"]);
    const all = viewer("all", []);
    await see(named, /4 watched · 4 online/, "all four online");
    await see(all, /4 watched · 4 online/, "all four online without names");
    const old = [...nodes.values()];
    await Promise.all(old.map((n) => n.stop()));
    await see(named, /4 watched · 0 online/, "all four gone");
    if (page) await online(page, "0 of 4 online");
    await Promise.all(["backend", "frontend", "tester", "docs"].map(start));
    await see(named, /4 watched · 4 online/, "all four back", 15_000);
    await see(all, /4 watched · 4 online/, "all four back without names", 15_000);
    if (page) await online(page, "4 of 4 online");
  });

  test("viewer without names adds a session that starts later", async () => {
    const all = viewer("late", []);
    await see(all, /4 watched · 4 online/, "the four local nodes");
    await start("writer");
    await see(all, /5 watched · 5 online/, "the new session");
    await see(all, /writer/, "its desk");
  });
});
