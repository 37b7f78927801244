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
  processStartTime,
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
  "cleanStale removes only entries whose process is gone: a dead pid or a reused one",
  withDir((dir) => {
    const started = processStartTime(process.ppid);
    registerLocal(dir, entry("dead", DEAD_PID));
    // A live process that answers nothing (stopped, swapped out) keeps its entry.
    registerLocal(dir, entry("silent", process.ppid, 1));
    registerLocal(dir, { ...entry("reused", process.ppid, 2), start_time: "1" });
    registerLocal(dir, { ...entry("fine", process.ppid, 3), start_time: started });
    registerLocal(dir, entry("me", process.pid, 4));
    writeFileSync(join(dir, "junk.json"), "{not json");
    const removed = cleanStale(dir, process.pid);
    const gone = started === undefined ? ["dead"] : ["dead", "reused"];
    assert.deepEqual(removed.sort(), gone);
    assert.equal(readdirSync(dir).includes("silent.json"), true);
    assert.equal(readdirSync(dir).includes("fine.json"), true);
  }),
);

test(
  "processStartTime tells this process's start and nothing for a dead pid",
  () => {
    if (process.platform === "win32") return;
    const mine = processStartTime(process.pid);
    assert.equal(typeof mine, "string");
    assert.equal(processStartTime(process.pid), mine);
    assert.equal(processStartTime(DEAD_PID), undefined);
  },
);

test(
  "reassert writes the entry again when it went missing, never over a live node",
  withDir((dir) => {
    const mine = registerLocal(dir, entry("a", process.pid));
    assert.equal(mine.reassert(), false);
    rmSync(join(dir, "a.json"));
    assert.equal(mine.reassert(), true);
    assert.equal(readEntry(dir, "a")?.pid, process.pid);
    registerLocal(dir, entry("a", process.ppid, 40001));
    assert.equal(mine.reassert(), false);
    assert.equal(readEntry(dir, "a")?.pid, process.ppid);
    registerLocal(dir, entry("a", DEAD_PID, 40002));
    assert.equal(mine.reassert(), true);
    assert.equal(readEntry(dir, "a")?.pid, process.pid);
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
