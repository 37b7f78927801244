// The Claude Code plugin manifests in .claude-plugin/ stay in step with the package: same
// version, a channel bound to the server that runs the npm bin, and every ${user_config.*}
// placeholder declared.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const read = (path) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), "utf8"));
const plugin = read(".claude-plugin/plugin.json");
const marketplace = read(".claude-plugin/marketplace.json");
const { version } = read("deno.json");

test("plugin and marketplace versions equal the deno.json version", () => {
  assert.equal(plugin.version, version);
  const entry = marketplace.plugins.find((p) => p.name === plugin.name);
  assert.ok(entry, `marketplace.json lists "${plugin.name}"`);
  assert.equal(entry.version, version);
  assert.equal(entry.source, "./");
});

test("plugin channel runs the npm bin with every user_config placeholder declared", () => {
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
  assert.deepEqual(used.sort(), Object.keys(channel.userConfig).sort());
  for (const [key, option] of Object.entries(channel.userConfig)) {
    assert.ok(option.title && option.description, `${key} has a title and a description`);
    assert.ok(["string", "number"].includes(option.type), `${key} has a type`);
  }
  for (const name of Object.keys(server.env)) {
    assert.match(
      name,
      /^(MY_ROLE|PEERS|INTERCOM_[A-Z_]+)$/,
      "an environment variable the node reads",
    );
  }
});
