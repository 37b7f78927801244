// The Claude Code plugin manifests in .claude-plugin/ stay in step with the package: same
// version, a channel bound to the server that runs the pinned npm bin, options at the top level
// of the manifest (where `claude plugin install --config` and `plugin configure` find them),
// each one settable, and every ${user_config.*} placeholder declared. The shapes follow the
// plugin manifest reference (code.claude.com/docs/en/plugins/manifest-reference): userConfig
// options and channels entries are strict objects, unknown keys in them stop the plugin.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const read = (path) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), "utf8"));
const plugin = read(".claude-plugin/plugin.json");
const marketplace = read(".claude-plugin/marketplace.json");
const { version } = read("deno.json");

const TOP_LEVEL = new Set([
  "$schema",
  "name",
  "version",
  "description",
  "author",
  "homepage",
  "repository",
  "license",
  "keywords",
  "userConfig",
  "mcpServers",
  "channels",
]);
const OPTION_KEYS = new Set([
  "type",
  "title",
  "description",
  "required",
  "default",
  "multiple",
  "sensitive",
  "min",
  "max",
]);
const OPTION_TYPES = new Set(["string", "number", "boolean", "directory", "file"]);
const CHANNEL_KEYS = new Set(["server", "userConfig"]);

test("plugin and marketplace versions equal the deno.json version", () => {
  assert.equal(plugin.version, version);
  const entry = marketplace.plugins.find((p) => p.name === plugin.name);
  assert.ok(entry, `marketplace.json lists "${plugin.name}"`);
  assert.equal(entry.version, version);
  assert.equal(entry.source, "./");
});

test("the manifest has only documented top-level keys and a kebab-case name", () => {
  for (const key of Object.keys(plugin)) assert.ok(TOP_LEVEL.has(key), `unknown key "${key}"`);
  assert.match(plugin.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  assert.match(plugin.version, /^\d+\.\d+\.\d+/);
  assert.match(plugin.homepage, /^https:\/\//);
});

test("userConfig sits at the top level and every option is valid and settable", () => {
  assert.equal(typeof plugin.userConfig, "object");
  for (const channel of plugin.channels) {
    for (const key of Object.keys(channel)) assert.ok(CHANNEL_KEYS.has(key), `channel key ${key}`);
    assert.equal(channel.userConfig, undefined, "options under a channel cannot be set");
  }
  for (const [key, option] of Object.entries(plugin.userConfig)) {
    assert.match(key, /^\w+$/);
    for (const k of Object.keys(option)) {
      assert.ok(OPTION_KEYS.has(k), `${key}.${k} is not allowed`);
    }
    assert.ok(OPTION_TYPES.has(option.type), `${key} has a known type`);
    assert.ok(option.title && option.description, `${key} has a title and a description`);
    assert.ok(
      option.required === true || option.default !== undefined,
      `${key} is required or has a default, so it never reaches the node unexpanded`,
    );
    if (option.default !== undefined) {
      const t = option.type === "number"
        ? "number"
        : option.type === "boolean"
        ? "boolean"
        : "string";
      assert.equal(typeof option.default, t, `${key}'s default is a ${t}`);
    }
  }
  assert.equal(plugin.userConfig.secret.sensitive, true, "the secret goes to secure storage");
});

test("the channel runs the pinned npm bin with every user_config placeholder declared", () => {
  const [channel] = plugin.channels;
  const server = plugin.mcpServers[channel.server];
  assert.ok(server, `mcpServers has the channel's server "${channel.server}"`);
  assert.equal(server.command, "npx");
  // Pinned to the major version it was written for: a 3.x must not start under a 2.x config.
  const major = version.split(".")[0];
  assert.deepEqual(server.args, ["-y", `claude-talkie-walkie@${major}.x`]);
  const used = Object.values(server.env).flatMap((v) =>
    [...v.matchAll(/\$\{user_config\.(\w+)\}/g)].map((m) => m[1])
  );
  assert.deepEqual(used.sort(), Object.keys(plugin.userConfig).sort());
  for (const name of Object.keys(server.env)) {
    assert.match(
      name,
      /^(MY_ROLE|PEERS|INTERCOM_[A-Z_]+)$/,
      "an environment variable the node reads",
    );
  }
});

test("server.json (MCP Registry) matches the package: name = mcpName, version, npm stdio", () => {
  const server = read("server.json");
  const pkg = read("package.json");
  assert.match(
    server.$schema,
    /^https:\/\/static\.modelcontextprotocol\.io\/schemas\/[\d-]+\/server\.schema\.json$/,
  );
  assert.equal(server.name, pkg.mcpName);
  assert.match(server.name, /^io\.github\.[^/]+\/[^/]+$/);
  assert.ok(server.description.length <= 100, "the registry takes up to 100 characters");
  assert.equal(server.version, version);
  const [npm] = server.packages;
  assert.equal(npm.registryType, "npm");
  assert.equal(npm.identifier, "claude-talkie-walkie");
  assert.equal(npm.version, version);
  assert.deepEqual(npm.transport, { type: "stdio" });
  const secret = npm.environmentVariables.find((v) => v.name === "INTERCOM_SECRET");
  assert.equal(secret?.isSecret, true);
});

/** The frontmatter of a Markdown file as key → value (one line each, quotes removed). */
function frontmatter(path) {
  const text = readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
  const block = /^---\n([\s\S]*?)\n---\n/.exec(text);
  assert.ok(block, `${path} starts with a frontmatter block`);
  return {
    body: text.slice(block[0].length),
    fields: Object.fromEntries(
      block[1].split("\n").map((line) => {
        const at = line.indexOf(": ");
        const value = line.slice(at + 2).trim();
        // A plain YAML value may not hold ": " (Claude Code then drops every field silently).
        assert.ok(/^".*"$/.test(value) || !value.includes(": "), `${path}: quote ${line}`);
        return [line.slice(0, at), value.replace(/^"(.*)"$/, "$1")];
      }),
    ),
  };
}

test("the plugin's skill and /talkie command have valid frontmatter and name the tools", () => {
  const skill = frontmatter("skills/talkie-walkie/SKILL.md");
  assert.equal(skill.fields.name, "talkie-walkie");
  assert.ok(skill.fields.description.length <= 1024);
  for (const tool of ["list_peers", "send_message", "wait_for_message", "read_messages"]) {
    assert.ok(skill.body.includes(tool), `the skill explains ${tool}`);
  }
  const command = frontmatter("commands/talkie.md");
  assert.match(command.fields["argument-hint"], /peers \| send <role> <text> \| inbox/);
  assert.match(command.body, /\$ARGUMENTS/);
});

test(
  "claude plugin validate --strict accepts the plugin and the marketplace",
  {
    skip: spawnSync("claude", ["--version"]).status !== 0 &&
      "no claude binary on PATH (npm install -g @anthropic-ai/claude-code)",
  },
  () => {
    for (const target of [".claude-plugin/plugin.json", "."]) {
      const run = spawnSync("claude", ["plugin", "validate", "--strict", target], {
        cwd: new URL("../..", import.meta.url).pathname,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(run.status, 0, `${target}: ${run.stdout}${run.stderr}`);
    }
  },
);
