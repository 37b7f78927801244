import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeJsonEntry } from "./doctor.ts";

test("claudeJsonEntry finds the project's entry, else the user's, in ~/.claude.json", () => {
  const home = mkdtempSync(join(tmpdir(), "talkie-home-"));
  try {
    const entry = (port: string) => ({
      "talkie-walkie": {
        command: "npx",
        args: ["-y", "claude-talkie-walkie@2.x"],
        env: { INTERCOM_PORT: port },
      },
    });
    assert.equal(claudeJsonEntry("/p/api", { HOME: home }), undefined);
    writeFileSync(
      join(home, ".claude.json"),
      JSON.stringify({
        mcpServers: entry("auto"),
        projects: { "/p/web": { mcpServers: entry("9000") } },
      }),
    );
    const user = claudeJsonEntry("/p/api", { HOME: home })!;
    assert.equal(user.launch.env.INTERCOM_PORT, "auto");
    assert.match(user.source, /\.claude\.json \(user scope\)$/);
    const local = claudeJsonEntry("/p/web", { HOME: home })!;
    assert.equal(local.launch.env.INTERCOM_PORT, "9000");
    assert.match(local.source, /\(local scope\)$/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
