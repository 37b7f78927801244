#!/usr/bin/env node
// Checks every relative link of the Markdown files given (default: README.md, CHANGELOG.md and
// docs/*.md): the file it points at exists, and an anchor (`page.md#section`, `#section`)
// names a heading of that page, by GitHub's rule for heading ids. Prints each broken link as
// `file:line: link: why`; exits 1 when there is one.
//
// Usage: node scripts/check_links.mjs [file.md ...]
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";

const root = new URL("..", import.meta.url).pathname;

/** GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading) {
  return heading.trim().toLowerCase().replace(/<[^>]*>/g, "").replace(/`/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

/** The heading ids of a Markdown text (repeats get -1, -2, … as on GitHub). */
export function anchors(text) {
  const seen = new Map();
  const ids = new Set();
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

/** The links of a Markdown text outside code, as {line, target}. */
export function links(text) {
  const found = [];
  let fenced = false;
  for (const [i, line] of text.split("\n").entries()) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const prose = line.replace(/`[^`]*`/g, "");
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ line: i + 1, target: m[1] });
    }
    for (const m of prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)) {
      found.push({ line: i + 1, target: m[1] });
    }
  }
  return found;
}

/** The broken relative links of one file, as lines `file:line: link: why`. */
export function brokenLinks(file) {
  const text = readFileSync(file, "utf8");
  const problems = [];
  for (const { line, target } of links(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: and the like
    const [path, anchor] = target.split("#", 2);
    const to = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
    const where = `${relative(root, file)}:${line}: ${target}`;
    if (!existsSync(to)) {
      problems.push(`${where}: ${relative(root, to)} does not exist`);
      continue;
    }
    if (anchor && to.endsWith(".md") && statSync(to).isFile()) {
      if (!anchors(readFileSync(to, "utf8")).has(anchor.toLowerCase())) {
        problems.push(`${where}: ${relative(root, to)} has no heading with the id "${anchor}"`);
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) : [
    join(root, "README.md"),
    join(root, "CHANGELOG.md"),
    ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) =>
      join(root, "docs", f)
    ),
  ].filter((f) => existsSync(f));
  const problems = files.flatMap(brokenLinks);
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.stderr.write(
    `${files.length} Markdown files checked: ${problems.length} broken relative links\n`,
  );
  process.exitCode = problems.length ? 1 : 0;
}
