/**
 * A small, pure SGR (Select Graphic Rendition) and cursor module: just the escape sequences the
 * viewer needs, as strings, so frames and tests stay deterministic. No colour at all when the
 * caller says so (NO_COLOR, `--no-color`).
 *
 * @module
 */

/** The colours the viewer uses, one per mood plus a few for text. */
export type Color = "gray" | "red" | "green" | "yellow" | "blue" | "magenta" | "cyan" | "white";

/** How one cell looks. An empty object is the terminal's default. */
export interface Style {
  /** Foreground colour. */
  readonly fg?: Color;
  /** Bold. */
  readonly bold?: boolean;
  /** Dim. */
  readonly dim?: boolean;
}

/** The terminal's default look. */
export const PLAIN: Style = Object.freeze({});

const FG: Record<Color, number> = {
  gray: 90,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  white: 37,
};

/** Whether two styles look the same. */
export function sameStyle(a: Style, b: Style): boolean {
  return a.fg === b.fg && !a.bold === !b.bold && !a.dim === !b.dim;
}

/**
 * The SGR sequence that switches to `style` from any previous style: it starts with a reset,
 * so no attribute leaks from one cell into the next.
 *
 * @example
 * ```ts
 * sgr({ fg: "green", bold: true }); // "\x1b[0;1;32m"
 * sgr(PLAIN); // "\x1b[0m"
 * ```
 */
export function sgr(style: Style): string {
  const codes = [0];
  if (style.bold) codes.push(1);
  if (style.dim) codes.push(2);
  if (style.fg) codes.push(FG[style.fg]);
  return `\x1b[${codes.join(";")}m`;
}

/** Resets every attribute. */
export const RESET = "\x1b[0m";

/** Moves the cursor to a 0-based `row` and `col` (CUP is 1-based). */
export function moveTo(row: number, col: number): string {
  return `\x1b[${row + 1};${col + 1}H`;
}

/** Clears the whole screen and homes the cursor. */
export const CLEAR_SCREEN = "\x1b[H\x1b[2J";
/** Switches to the alternate screen and hides the cursor. */
export const ENTER_SCREEN = "\x1b[?1049h\x1b[?25l";
/** Shows the cursor and leaves the alternate screen, restoring what was there before. */
export const LEAVE_SCREEN = "\x1b[0m\x1b[?25h\x1b[?1049l";

/**
 * Whether colour is wanted: not when `NO_COLOR` is set to a non-empty value
 * (https://no-color.org) nor when `--no-color` was given.
 */
export function colorWanted(
  env: Record<string, string | undefined>,
  noColorFlag: boolean,
): boolean {
  return !noColorFlag && !(env.NO_COLOR !== undefined && env.NO_COLOR !== "");
}

/**
 * Makes control characters visible, for golden files and debugging: ESC becomes `␛`, other C0
 * codes their Control Pictures symbol; newlines stay.
 */
export function visible(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x09\x0b-\x1f\x7f]/g, (c) => {
    const code = c.charCodeAt(0);
    return String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code);
  });
}
