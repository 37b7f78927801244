import assert from "node:assert/strict";
import { test } from "node:test";
import {
  claudeAddLine,
  ExistingEntryError,
  mergeEntry,
  serverEntry,
  shareLines,
  USER_SCOPE_LINE,
} from "./init_entry.ts";
import { PROMPTS, userScopeText, yesNo } from "./init.ts";
import { expandVars, launchFromMcpJson } from "./mcp_json.ts";

const answers = { role: "backend", peers: "frontend=10.0.0.5,tester=10.0.0.7:9000", port: "8788" };

test("serverEntry keeps the secret as ${INTERCOM_SECRET}, or passes --secret-file", () => {
  assert.equal(serverEntry(answers).env.INTERCOM_SECRET, "${INTERCOM_SECRET}");
  const fromFile = serverEntry({ ...answers, secretFile: "/etc/talkie/secret" });
  assert.equal(fromFile.env.INTERCOM_SECRET, undefined);
  assert.deepEqual(fromFile.args.slice(-2), ["--secret-file", "/etc/talkie/secret"]);
});

test("serverEntry names no secret for this machine only: the per-user secret applies", () => {
  const local = serverEntry({ role: "a", peers: "b", port: "auto" });
  assert.equal(local.env.INTERCOM_SECRET, undefined);
});

test("the user-scope line is the documented one-liner", () => {
  assert.match(
    USER_SCOPE_LINE,
    /^claude mcp add --scope user talkie-walkie -e INTERCOM_PORT=auto -- npx -y claude-talkie-walkie@\d+\.x$/,
  );
  assert.ok(userScopeText().includes(USER_SCOPE_LINE));
});

test("init's questions and notes fit a terminal of 80 columns", () => {
  const asked = [
    `${PROMPTS.oneMachine} [y]: `,
    `${PROMPTS.role} [developer-a]: `,
    PROMPTS.peersHint,
    `${PROMPTS.peers}: `,
    `${PROMPTS.port} [8788]: `,
  ];
  // The command to copy stays on one line of its own, however wide.
  const notes = userScopeText().split("\n").filter((l) => l !== USER_SCOPE_LINE);
  for (const line of [...asked, ...notes]) {
    assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
  }
});

test("mergeEntry keeps other servers and refuses to replace, to lose or to parse garbage", () => {
  const entry = serverEntry(answers);
  const merged = JSON.parse(mergeEntry('{"mcpServers":{"x":{"command":"x"}},"k":1}', entry, false));
  assert.deepEqual(Object.keys(merged.mcpServers), ["x", "talkie-walkie"]);
  assert.equal(merged.k, 1);
  assert.throws(() => mergeEntry(JSON.stringify(merged), entry, false), ExistingEntryError);
  assert.doesNotThrow(() => mergeEntry(JSON.stringify(merged), entry, true));
  assert.throws(() => mergeEntry("{oops", entry, false), /not valid JSON/);
  assert.throws(() => mergeEntry("[]", entry, false), /not a JSON object/);
  assert.ok(mergeEntry(undefined, entry, false).endsWith("}\n"));
});

test("claudeAddLine quotes ${INTERCOM_SECRET} so the shell leaves it to Claude Code", () => {
  assert.match(
    claudeAddLine(serverEntry(answers)),
    / -e 'INTERCOM_SECRET=\$\{INTERCOM_SECRET\}' -- npx -y /,
  );
});

test("shareLines gives each peer an init line that names us back", () => {
  const [frontend, tester] = shareLines(answers, "10.0.0.6:8788");
  assert.match(
    frontend,
    /init --role frontend --peers backend=10\.0\.0\.6:8788,tester=10\.0\.0\.7:9000 --port 8788$/,
  );
  assert.match(
    tester,
    /init --role tester --peers backend=10\.0\.0\.6:8788,frontend=10\.0\.0\.5 --port 9000$/,
  );
  const local = shareLines({ role: "a", peers: "b,c", port: "auto" }, undefined);
  assert.match(local[0], /init --role b --peers a,c --port auto$/);
});

test("expandVars follows Claude Code: ${VAR}, ${VAR:-default}, unset stays as written", () => {
  const env = { A: "1", EMPTY: "" };
  assert.equal(expandVars("${A}-${B:-two}-${C}", env), "1-two-${C}");
  assert.equal(expandVars("${EMPTY:-d}", env), "d");
});

test("launchFromMcpJson finds our server and the flags after the package", () => {
  const text = JSON.stringify({
    mcpServers: {
      other: { command: "x" },
      mesh: {
        command: "npx",
        args: ["-y", "claude-talkie-walkie@2.x", "--port", "${PORT:-9000}"],
        env: { MY_ROLE: "a", INTERCOM_SECRET: "${INTERCOM_SECRET}" },
      },
    },
  });
  const launch = launchFromMcpJson(text, { INTERCOM_SECRET: "s3", PATH: "/bin" })!;
  assert.deepEqual(launch.args, ["--port", "9000"]);
  assert.equal(launch.env.INTERCOM_SECRET, "s3");
  assert.equal(launch.env.PATH, "/bin");
  assert.equal(launchFromMcpJson('{"mcpServers":{}}', {}), undefined);
});

test("yesNo takes y, yes, n and no, and nothing else as an answer", () => {
  for (const yes of ["y", "Y", "yes", " YES "]) assert.equal(yesNo(yes), true);
  for (const no of ["n", "No", "no "]) assert.equal(yesNo(no), false);
  for (const other of ["maybe", "gamma", "nope", "yess", ""]) assert.equal(yesNo(other), undefined);
});
