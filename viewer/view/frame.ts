/**
 * A frame is a grid of cells (a character and a style); {@linkcode diff} turns two frames into
 * the shortest escape output that changes the first into the second. Pure: no terminal here.
 *
 * Widths come from `string-width`, one grapheme at a time; a wide character takes its cell and
 * a continuation cell after it.
 *
 * @module
 */

import stringWidth from "string-width";
import { shownText } from "../../src/core/shown_text.ts";
import { CLEAR_SCREEN, moveTo, PLAIN, RESET, sameStyle, sgr, type Style } from "./ansi.ts";

/** One terminal cell. A wide character's second column is a cell with `ch: ""`, `width: 0`. */
export interface Cell {
  /** The character (a grapheme), `""` for the second column of a wide one. */
  ch: string;
  /** Columns it takes. */
  width: 0 | 1 | 2;
  /** How it looks. */
  style: Style;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Makes untrusted text safe for one terminal line by the one rule of `core/shown_text.ts`
 * (controls and line breaks become spaces, bidi and invisible characters go), and drops VS16,
 * whose emoji terminals disagree on the width of (they would shift the rest of the row).
 */
export function sanitize(text: string): string {
  return shownText(text).replace(/\n/g, " ").replace(/\ufe0f/g, "");
}

/**
 * The visible graphemes of `text` (after {@linkcode sanitize}), each with its width in columns
 * (1 or 2); zero-width ones are left out.
 */
export function graphemes(text: string): { ch: string; width: number }[] {
  const out: { ch: string; width: number }[] = [];
  for (const { segment } of segmenter.segment(sanitize(text))) {
    const width = widthOf(segment);
    if (width > 0) out.push({ ch: segment, width });
  }
  return out;
}

// Widths of graphemes seen, since a frame draws the same few hundred again and again.
const widths = new Map<string, number>();

function widthOf(grapheme: string): number {
  let width = widths.get(grapheme);
  if (width === undefined) {
    width = Math.min(stringWidth(grapheme), 2);
    if (widths.size >= 4096) widths.clear();
    widths.set(grapheme, width);
  }
  return width;
}

/** Width of `text` in terminal columns, as the frame will draw it. */
export function textWidth(text: string): number {
  let width = 0;
  for (const g of graphemes(text)) width += g.width;
  return width;
}

/**
 * `text` cut to at most `width` columns, ending in `…` when something was cut.
 *
 * @example
 * ```ts
 * fit("frontend-service", 10); // "frontend-…"
 * ```
 */
export function fit(text: string, width: number): string {
  if (width <= 0) return "";
  const gs = graphemes(text);
  let total = 0;
  for (const g of gs) total += g.width;
  if (total <= width) return gs.map((g) => g.ch).join("");
  let out = "";
  let used = 0;
  for (const g of gs) {
    if (used + g.width > width - 1) break;
    out += g.ch;
    used += g.width;
  }
  return out + "…";
}

/** A `width` x `height` grid of cells, blank at first. */
export class Frame {
  /** Columns. */
  readonly width: number;
  /** Rows. */
  readonly height: number;
  /** Row-major cells, `width * height` of them. */
  readonly cells: Cell[];

  /**
   * Makes a blank frame.
   *
   * @param width columns, >= 0.
   * @param height rows, >= 0.
   */
  constructor(width: number, height: number) {
    this.width = Math.max(0, Math.floor(width));
    this.height = Math.max(0, Math.floor(height));
    this.cells = Array.from({ length: this.width * this.height }, () => blank());
  }

  /** The cell at a 0-based row and column, `undefined` outside the frame. */
  at(row: number, col: number): Cell | undefined {
    if (row < 0 || row >= this.height || col < 0 || col >= this.width) return undefined;
    return this.cells[row * this.width + col];
  }

  /**
   * Writes `text` from (`row`, `col`) to the right, clipped at the frame's edge; a wide
   * character that does not fit whole is left out.
   *
   * @returns the column after the last one written.
   */
  put(row: number, col: number, text: string, style: Style = PLAIN): number {
    if (row < 0 || row >= this.height) return col;
    let x = col;
    for (const g of graphemes(text)) {
      if (x + g.width > this.width) break;
      if (x >= 0) {
        this.#clearWide(row, x);
        if (g.width === 2) this.#clearWide(row, x + 1);
        this.cells[row * this.width + x] = { ch: g.ch, width: g.width as 1 | 2, style };
        if (g.width === 2) this.cells[row * this.width + x + 1] = { ch: "", width: 0, style };
      }
      x += g.width;
    }
    return x;
  }

  // Overwriting half of a wide character leaves the other half as a blank.
  #clearWide(row: number, col: number): void {
    const cell = this.at(row, col);
    if (cell?.width === 0) this.cells[row * this.width + col - 1] = blank();
    if (cell?.width === 2 && col + 1 < this.width) this.cells[row * this.width + col + 1] = blank();
  }

  /** One row as plain text, trailing spaces removed. */
  line(row: number): string {
    let out = "";
    for (let c = 0; c < this.width; c++) out += this.cells[row * this.width + c].ch;
    return out.trimEnd();
  }

  /** The whole frame as plain text: rows joined with `\n`, trailing spaces removed. */
  toText(): string {
    return Array.from({ length: this.height }, (_, r) => this.line(r)).join("\n");
  }
}

function blank(): Cell {
  return { ch: " ", width: 1, style: PLAIN };
}

const BLANK = blank();

function sameCell(a: Cell, b: Cell): boolean {
  return a.ch === b.ch && sameStyle(a.style, b.style);
}

/** Options for {@linkcode diff}. */
export interface DiffOptions {
  /** Emit SGR colours; when false the output has no SGR at all. */
  color: boolean;
}

/** Unchanged cells shorter than this between two changes are rewritten rather than skipped. */
const GAP = 8;

/**
 * The changed spans of one row, `[first, last]` inclusive, merged across short gaps and
 * widened so no wide character is cut in half.
 */
function spans(prev: Frame | undefined, next: Frame, row: number): [number, number][] {
  const out: [number, number][] = [];
  const base = row * next.width;
  for (let c = 0; c < next.width; c++) {
    // After a clear (no `prev`), blank cells are already right.
    if (sameCell(prev ? prev.cells[base + c] : BLANK, next.cells[base + c])) continue;
    const last = out[out.length - 1];
    if (last && c - last[1] <= GAP) last[1] = c;
    else out.push([c, c]);
  }
  for (const span of out) {
    if (next.cells[base + span[0]].width === 0) span[0]--;
    if (next.cells[base + span[1]].width === 2) span[1]++;
  }
  return out;
}

/**
 * The escape output that turns the screen showing `prev` into `next`: per row, only the spans
 * of changed cells, each after a cursor move. Without `prev`, or when the size changed, the
 * screen is cleared first and only non-blank cells are drawn. Returns `""` when nothing
 * changed.
 *
 * @example
 * ```ts
 * const a = new Frame(10, 1), b = new Frame(10, 1);
 * b.put(0, 3, "hi");
 * diff(a, b, { color: false }); // "\x1b[1;4Hhi"
 * ```
 */
export function diff(prev: Frame | undefined, next: Frame, options: DiffOptions): string {
  const full = !prev || prev.width !== next.width || prev.height !== next.height;
  let out = full ? CLEAR_SCREEN : "";
  let current: Style | undefined;
  for (let r = 0; r < next.height; r++) {
    for (const [first, last] of spans(full ? undefined : prev, next, r)) {
      out += moveTo(r, first);
      for (let c = first; c <= last; c++) {
        const cell = next.cells[r * next.width + c];
        if (cell.width === 0) continue;
        if (options.color && (!current || !sameStyle(current, cell.style))) {
          current = cell.style;
          out += sgr(cell.style);
        }
        out += cell.ch;
      }
    }
  }
  if (options.color && current && !sameStyle(current, PLAIN)) out += RESET;
  return out;
}
