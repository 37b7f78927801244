import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import {
  cleanStale,
  type LocalEntry,
  localRegistryDir,
  lookupLocal,
  readEntry,
  registerLocal,
} from "./local_registry.ts";

const entry = (role: string, pid: number, port = 40000): LocalEntry => ({
  role,
  url: `http://127.0.0.1:${port}`,
  pid,
  version: "test",
  started_at: new Date(0).toISOString(),
});

/** A pid that no process has: far above Linux's pid_max. */
const DEAD_PID = 2 ** 30;

function withDir(run: (dir: string) => void | Promise<void>) {
  return async () => {
    const base = mkdtempSync(join(tmpdir(), "ctw-reg-"));
    try {
      await run(join(base, "r"));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  };
}

test("localRegistryDir prefers INTERCOM_LOCAL_DIR, then XDG_RUNTIME_DIR, then a per-user tmp dir", () => {
  assert.equal(localRegistryDir({ INTERCOM_LOCAL_DIR: "/x", XDG_RUNTIME_DIR: "/run" }), "/x");
  assert.equal(
    localRegistryDir({ XDG_RUNTIME_DIR: "/run/user/7" }),
    "/run/user/7/claude-talkie-walkie",
  );
  assert.match(localRegistryDir({}), /claude-talkie-walkie-\w+$/);
});

test(
  "registerLocal makes the directory private, lookupLocal finds the role, unregister removes it",
  withDir((dir) => {
    const { unregister } = registerLocal(dir, entry("backend", process.pid));
    if (process.platform !== "win32") assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(lookupLocal(dir, "backend"), "http://127.0.0.1:40000");
    assert.equal(lookupLocal(dir, "frontend"), undefined);
    unregister();
    assert.deepEqual(readdirSync(dir), []);
  }),
);

test(
  "an existing directory open to others is made private again",
  withDir((dir) => {
    registerLocal(dir, entry("a", process.pid)).unregister();
    if (process.platform === "win32") return;
    chmodSync(dir, 0o755);
    registerLocal(dir, entry("a", process.pid));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  }),
);

test(
  "an entry whose process is gone is not found and is removed",
  withDir((dir) => {
    registerLocal(dir, entry("ghost", DEAD_PID));
    assert.equal(lookupLocal(dir, "ghost"), undefined);
    assert.deepEqual(readdirSync(dir), []);
  }),
);

test(
  "unregister leaves an entry that another node took over",
  withDir((dir) => {
    const first = registerLocal(dir, entry("a", DEAD_PID));
    const second = registerLocal(dir, entry("a", process.pid, 40001));
    assert.equal(second.replaced, undefined, "a dead previous owner is not reported");
    first.unregister();
    assert.equal(lookupLocal(dir, "a"), "http://127.0.0.1:40001");
  }),
);

test(
  "cleanStale removes dead pids and live pids that do not answer, keeps our own and good ones",
  withDir(async (dir) => {
    registerLocal(dir, entry("dead", DEAD_PID));
    registerLocal(dir, entry("silent", process.ppid, 1));
    registerLocal(dir, entry("fine", process.ppid, 2));
    registerLocal(dir, entry("me", process.pid, 3));
    writeFileSync(join(dir, "junk.json"), "{not json");
    const removed = await cleanStale(dir, (e) => Promise.resolve(e.role === "fine"), process.pid);
    assert.deepEqual(removed.sort(), ["dead", "silent"]);
    assert.deepEqual(readdirSync(dir).sort(), ["fine.json", "junk.json", "me.json"]);
  }),
);

test(
  "entries in a directory others may write to are not trusted",
  withDir((dir) => {
    registerLocal(dir, entry("a", process.pid));
    if (process.platform === "win32") return;
    chmodSync(dir, 0o777);
    assert.equal(lookupLocal(dir, "a"), undefined);
    chmodSync(dir, 0o700);
    chmodSync(join(dir, "a.json"), 0o666);
    assert.equal(lookupLocal(dir, "a"), undefined);
  }),
);

test(
  "a node that took a live node's role gives it back when it stops",
  withDir((dir) => {
    // The parent process stands in for a node that still runs.
    const first = registerLocal(dir, {
      ...entry("backend", process.ppid),
      url: "http://127.0.0.1:1",
    });
    const second = registerLocal(dir, entry("backend", process.pid));
    assert.equal(second.replaced?.pid, process.ppid);
    assert.equal(lookupLocal(dir, "backend"), "http://127.0.0.1:40000");
    second.unregister();
    assert.equal(readEntry(dir, "backend")?.pid, process.ppid);
    first.unregister();
  }),
);
