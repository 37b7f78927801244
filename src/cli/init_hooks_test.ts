import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ExistingEntryError } from "./init_entry.ts";
import { hasWaiters, HOOK_COMMAND, hookSettings, mergeHooks } from "./init_hooks.ts";

test("mergeHooks: a new file has the SessionStart and Stop waiters, asyncRewake, a long timeout", () => {
  const settings = JSON.parse(mergeHooks(undefined));
  assert.deepEqual(settings.hooks, hookSettings());
  const [hook] = settings.hooks.Stop[0].hooks;
  assert.equal(hook.command, HOOK_COMMAND);
  assert.equal(hook.asyncRewake, true);
  assert.ok(hook.timeout >= 86_400);
  assert.match(hook.rewakeSummary, /talkie-walkie/);
  assert.ok(hasWaiters(JSON.stringify(settings)));
});

test("mergeHooks keeps other settings and hooks, and replaces an earlier waiter", () => {
  const existing = JSON.stringify({
    permissions: { allow: ["Bash(ls)"] },
    hooks: {
      Stop: [
        { hooks: [{ type: "command", command: "echo done" }] },
        { hooks: [{ type: "command", command: "npx -y claude-talkie-walkie@1.x hook" }] },
      ],
      PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "check" }] }],
    },
  });
  const once = mergeHooks(existing);
  const settings = JSON.parse(mergeHooks(once));
  assert.deepEqual(settings.permissions, { allow: ["Bash(ls)"] });
  assert.deepEqual(settings.hooks.PreToolUse, JSON.parse(existing).hooks.PreToolUse);
  const stops = settings.hooks.Stop.flatMap((m: { hooks: { command: string }[] }) =>
    m.hooks.map((h) => h.command)
  );
  assert.deepEqual(stops, ["echo done", HOOK_COMMAND]);
  assert.equal(settings.hooks.SessionStart.length, 1);
});

test("mergeHooks leaves a file it cannot read as it is", () => {
  assert.throws(() => mergeHooks("{not json"), ExistingEntryError);
  assert.throws(() => mergeHooks("[]"), ExistingEntryError);
  assert.throws(() => mergeHooks('{"hooks":[]}'), ExistingEntryError);
  assert.throws(() => mergeHooks('{"hooks":{"Stop":{}}}'), ExistingEntryError);
  assert.equal(hasWaiters('{"hooks":{"Stop":[]}}'), false);
});

test("the plugin's hooks/hooks.json holds the same waiters as init --hooks", () => {
  const plugin = JSON.parse(
    readFileSync(new URL("../../hooks/hooks.json", import.meta.url), "utf8"),
  );
  assert.deepEqual(plugin.hooks, hookSettings());
});
