/**
 * Figures: percentiles of samples, one-line summaries, the machine, and JSON results under
 * `bench/results/`. Pure except {@linkcode writeResult} and {@linkcode machine}.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import process from "node:process";
import { NODE, ROOT } from "./_lib.ts";

/** Percentiles of a sample, in its unit. */
export interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of `samples` (which it sorts in place). */
export function stats(samples: number[] | Float64Array): Stats {
  const sorted = samples.sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  let sum = 0;
  for (const v of sorted) sum += v;
  return { n, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[n - 1], mean: sum / n };
}

/** A number with `digits` decimals and thousands separators. */
export function num(value: number, digits = 2): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `p50 0.41 ms  p95 …` for a latency summary. */
export function describeStats(s: Stats, unit = "ms"): string {
  return `p50 ${num(s.p50)} ${unit}  p95 ${num(s.p95)}  p99 ${num(s.p99)}  max ${num(s.max)}`;
}

/** Prints one summary line: `[name/runtime] label  figures`. */
export function say(scope: string, label: string, figures: string): void {
  console.log(`[${scope}] ${label.padEnd(22)} ${figures}`);
}

/** The machine the figures come from. */
export function machine(): Record<string, string | number> {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  let node = "not found";
  try {
    node = execFileSync(NODE, ["-v"], { encoding: "utf8" }).trim();
  } catch { /* no node on PATH */ }
  return {
    date: new Date().toISOString(),
    cpu: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    node,
    deno: process.versions.deno ?? "not deno",
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    loadavg: loadAverage(),
  };
}

/** The 1-, 5- and 15-minute load averages: other work on the machine skews every figure. */
export function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(" ");
}

/** Writes `bench/results/<name>.json` and returns its path. */
export function writeResult(name: string, data: unknown): string {
  const dir = `${ROOT}bench/results`;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/${name}.json`;
  writeFileSync(path, JSON.stringify(data, null, 2) + "\n");
  return path;
}
