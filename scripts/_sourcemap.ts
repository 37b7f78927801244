/**
 * Shrinks the bundle's source maps to our own code: mappings into bundled packages
 * (`node_modules/`) become "unmapped", and unused sources and names go. Stack traces through our
 * code keep their files and lines; frames inside the MCP SDK or zod keep the bundle's position.
 * The maps of a minified bundle are mostly the packages' mappings, so this cuts them to a fraction.
 *
 * Source Map v3 (tc39.es/ecma426): `mappings` is lines separated by `;`, segments by `,`, each
 * segment 1, 4 or 5 Base64 VLQ fields (column, source, line, column, name), all relative to the
 * previous segment (the column to the previous one on the same line).
 *
 * @module
 */

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes one segment's Base64 VLQ fields. */
function decode(segment: string): number[] {
  const out: number[] = [];
  let value = 0, shift = 0;
  for (const c of segment) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new SyntaxError(`Bad Base64 VLQ digit "${c}" in a source map`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = shift = 0;
    }
  }
  return out;
}

function encode(values: number[]): string {
  let out = "";
  for (const v of values) {
    let rest = v < 0 ? (-v << 1) | 1 : v << 1;
    do {
      let digit = rest & 31;
      rest >>>= 5;
      if (rest > 0) digit |= 32;
      out += BASE64[digit];
    } while (rest > 0);
  }
  return out;
}

/** A Source Map v3 object, as esbuild writes it. */
export interface SourceMap {
  version: 3;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
  [key: string]: unknown;
}

/**
 * Keeps the mappings whose source `keep` accepts; the others become unmapped columns.
 *
 * @example
 * ```ts
 * const map = { version: 3 as const, sources: ["src/a.ts"], names: [], mappings: "AAAA" };
 * const small = filterSourceMap(map, (source) => !source.includes("node_modules/"));
 * ```
 */
export function filterSourceMap(map: SourceMap, keep: (source: string) => boolean): SourceMap {
  const sources: string[] = [], names: string[] = [];
  const sourceIndex = new Map<number, number>(), nameIndex = new Map<number, number>();
  const renumber = (index: Map<number, number>, list: string[], from: string[], i: number) => {
    let n = index.get(i);
    if (n === undefined) {
      n = list.push(from[i]) - 1;
      index.set(i, n);
    }
    return n;
  };
  // Absolute state while reading (old numbering) and writing (new numbering).
  let src = 0, srcLine = 0, srcCol = 0, name = 0;
  let outSrc = 0, outLine = 0, outCol = 0, outName = 0;
  const lines = map.mappings.split(";").map((line) => {
    // A line starts unmapped; an unmapped segment matters only after a mapped one.
    let col = 0, outGenCol = 0, unmapped = true;
    const segments: string[] = [];
    for (const segment of line ? line.split(",") : []) {
      const f = decode(segment);
      col += f[0];
      let mapped = false;
      if (f.length >= 4) {
        src += f[1];
        srcLine += f[2];
        srcCol += f[3];
        if (f.length === 5) name += f[4];
        mapped = keep(map.sources[src]);
      }
      if (!mapped) {
        if (!unmapped) {
          segments.push(encode([col - outGenCol]));
          outGenCol = col;
          unmapped = true;
        }
        continue;
      }
      const s = renumber(sourceIndex, sources, map.sources, src);
      const fields = [col - outGenCol, s - outSrc, srcLine - outLine, srcCol - outCol];
      outSrc = s;
      outLine = srcLine;
      outCol = srcCol;
      if (f.length === 5) {
        const n = renumber(nameIndex, names, map.names, name);
        fields.push(n - outName);
        outName = n;
      }
      segments.push(encode(fields));
      outGenCol = col;
      unmapped = false;
    }
    return segments.join(",");
  });
  const { sourcesContent: _dropped, ...rest } = map;
  return { ...rest, sources, names, mappings: lines.join(";") };
}
