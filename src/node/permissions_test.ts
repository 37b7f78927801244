import assert from "node:assert/strict";
import { test } from "node:test";
import { PermissionRelay } from "./permissions.ts";
import { waitFor } from "../../tests/support/wait.ts";

function relay(options: { timeoutMs?: number; maxPending?: number } = {}) {
  const sent: unknown[] = [];
  const notices: { event: string; data: Record<string, unknown> }[] = [];
  const log: string[] = [];
  let now = 1_000;
  const r = new PermissionRelay({
    role: "backend",
    timeoutMs: options.timeoutMs ?? 60_000,
    maxPending: options.maxPending,
    send: (params) => {
      sent.push(params);
      return Promise.resolve();
    },
    notice: (event, data) => notices.push({ event, data }),
    log: (line) => log.push(line),
    now: () => now,
  });
  return { r, sent, notices, log, tick: (ms: number) => now += ms };
}

const ask = (id: string) => ({
  request_id: id,
  tool_name: "Bash",
  description: "Run npm test",
  input_preview: "npm test",
});

test("PermissionRelay sends one lower-case verdict for a pending prompt, then no more", async () => {
  const { r, sent, notices, log } = relay();
  r.request(ask("ABCDE"));
  assert.equal(notices[0].event, "permission_request");
  assert.equal(notices[0].data.request_id, "abcde");
  assert.equal(await r.verdict("AbCdE", "deny", "operator (op_1)"), "sent");
  assert.deepEqual(sent, [{ request_id: "abcde", behavior: "deny" }]);
  assert.equal(await r.verdict("abcde", "allow", "operator (op_2)"), "not_pending");
  assert.equal(sent.length, 1);
  assert.equal(notices[1].event, "permission_verdict");
  assert.match(log.at(-1)!, /^permission abcde \(Bash\): deny by operator \(op_1\) at /);
});

test("PermissionRelay forgets prompts on activity, when full, and on timeout", async () => {
  const { r, notices, tick } = relay({ maxPending: 2 });
  r.request(ask("aaaaa"));
  r.request(ask("bbbbb"));
  r.request(ask("ccccc"));
  assert.deepEqual(r.pending().map((p) => p.request_id), ["bbbbb", "ccccc"]);
  tick(1);
  r.activity();
  assert.deepEqual(r.pending(), []);
  assert.deepEqual(
    notices.filter((n) => n.event === "permission_expired").map((n) => n.data.reason),
    ["too many pending", "session active", "session active"],
  );
  const timed = relay({ timeoutMs: 1 });
  timed.r.request(ask("ddddd"));
  await waitFor(() => timed.r.pending().length === 0, "the prompt to time out");

  assert.equal(await timed.r.verdict("ddddd", "allow", "operator"), "not_pending");
  r.close();
});
