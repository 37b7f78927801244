/**
 * Benchmark 7, install: what a session pays before its node answers when Claude Code starts it
 * with `npx -y`. Packs `npm/` and, each time with a throwaway npm cache (nothing but the npm
 * registry, for whatever the tarball depends on, is reached):
 *
 * - `npm install <tarball>` into an empty folder: packages installed, their size on disk, time;
 * - cold `npx -y --package=<tarball> claude-talkie-walkie`: spawn -> MCP `initialize` answered,
 *   with an empty cache (every run a new one);
 * - warm `npx`: the same with the cache the cold run filled.
 *
 * Floor, same run and same steps: a package with no dependencies whose bin is the empty MCP
 * program (`bench/_floor_mcp.mjs`), so npx's own cost shows beside ours. Node only.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Client, StdioClientTransport } from "../src/platform/sdk.ts";
import { freePorts, kill, nodeEnv, ROOT } from "./_lib.ts";
import { describeStats, num, say, type Stats, stats } from "./_report.ts";

/** Options of one install run. */
export interface InstallOptions {
  /** Cold and warm starts of each package. */
  runs: number;
}

/** What one package measured. */
export interface PackageFigures {
  tarballBytes: number;
  packages: number;
  installedBytes: number;
  installMs: number;
  coldNpx: Stats;
  warmNpx: Stats;
}

/** What {@linkcode install} measured. */
export interface InstallResult {
  ours: PackageFigures;
  floor: PackageFigures;
}

const npmEnv = (cache: string) => ({
  ...process.env,
  npm_config_cache: cache,
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
});

function pack(dir: string, into: string): { tarball: string; bytes: number } {
  const out = execFileSync("npm", ["pack", dir, "--pack-destination", into, "--json"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [packed] = JSON.parse(out);
  return { tarball: join(into, packed.filename), bytes: packed.size };
}

/** The floor package: `package.json` and the empty MCP program as its bin. */
function floorPackage(work: string): string {
  const dir = join(work, "floor-package");
  mkdirSync(join(dir, "bin"), { recursive: true });
  copyFileSync(join(ROOT, "bench/_floor_mcp.mjs"), join(dir, "bin/floor.mjs"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "floor-mcp", version: "1.0.0", bin: { "floor-mcp": "bin/floor.mjs" } }),
  );
  return dir;
}

/** Bytes of the files below `dir` (apparent sizes, as `du --apparent-size`). */
function sizeOf(dir: string): number {
  return Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);
}

function installOnce(tarball: string, work: string) {
  const app = mkdtempSync(join(work, "app-"));
  const cache = mkdtempSync(join(work, "cache-"));
  writeFileSync(join(app, "package.json"), '{ "name": "bench-app", "private": true }\n');
  const t0 = performance.now();
  execFileSync("npm", ["install", "--loglevel=error", tarball], {
    cwd: app,
    env: npmEnv(cache),
    stdio: "ignore",
  });
  const installMs = performance.now() - t0;
  const modules = join(app, "node_modules");
  // Every folder holding a package.json below node_modules, scoped ones included.
  const found = execFileSync("find", [modules, "-name", "package.json", "-not", "-path", "*/.*"], {
    encoding: "utf8",
  }).split("\n").filter((p) => /node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(p));
  const result = { packages: found.length, installedBytes: sizeOf(modules), installMs };
  rmSync(app, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
  return result;
}

/** Spawn of `npx -y --package=<tarball> <bin>` -> `initialize` answered, in ms. */
async function npxOnce(tarball: string, bin: string, cache: string, cwd: string): Promise<number> {
  const [port] = await freePorts(1);
  const transport = new StdioClientTransport({
    command: "npx",
    args: ["-y", `--package=${tarball}`, bin],
    cwd,
    env: { ...npmEnv(cache), ...nodeEnv({ role: "installer", port }) },
    stderr: "ignore",
  });
  const client = new Client({ name: "bench", version: "0" });
  const t0 = performance.now();
  try {
    await client.connect(transport);
    return performance.now() - t0;
  } finally {
    const pid = transport.pid;
    await client.close().catch(() => {});
    kill(pid);
  }
}

async function measure(tarball: string, bytes: number, bin: string, work: string, runs: number) {
  const installed = installOnce(tarball, work);
  const cold: number[] = [], warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cache = mkdtempSync(join(work, "npx-cache-"));
    const cwd = mkdtempSync(join(work, "npx-cwd-"));
    try {
      cold.push(await npxOnce(tarball, bin, cache, cwd));
      warm.push(await npxOnce(tarball, bin, cache, cwd));
    } finally {
      rmSync(cache, { recursive: true, force: true });
      rmSync(cwd, { recursive: true, force: true });
    }
  }
  return { tarballBytes: bytes, ...installed, coldNpx: stats(cold), warmNpx: stats(warm) };
}

const mb = (bytes: number) => `${num(bytes / 1e6, 2)} MB`;

/** Runs benchmark 7 (Node only: it measures the npm package) and prints its summary lines. */
export async function install(o: InstallOptions): Promise<InstallResult> {
  const scope = "install/node";
  const work = mkdtempSync(join(tmpdir(), "talkie-bench-install-"));
  try {
    const packed = pack(join(ROOT, "npm"), work);
    const floorPacked = pack(floorPackage(work), work);
    const ours = await measure(packed.tarball, packed.bytes, "claude-talkie-walkie", work, o.runs);
    const floor = await measure(floorPacked.tarball, floorPacked.bytes, "floor-mcp", work, o.runs);
    say(
      scope,
      "npm install <tgz>",
      `${ours.packages} package(s), ${mb(ours.installedBytes)} installed, tarball ` +
        `${mb(ours.tarballBytes)}, ${
          num(ours.installMs / 1000, 1)
        } s  (floor: ${floor.packages}, ` +
        `${mb(floor.installedBytes)}, ${num(floor.installMs / 1000, 1)} s)`,
    );
    say(scope, "cold npx -> initialize", `${describeStats(ours.coldNpx)}  (${o.runs} runs)`);
    say(scope, "  floor package", describeStats(floor.coldNpx));
    say(scope, "warm npx -> initialize", describeStats(ours.warmNpx));
    say(scope, "  floor package", describeStats(floor.warmNpx));
    return { ours, floor };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
