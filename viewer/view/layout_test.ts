import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseLayout, COMPACT, FULL, grid, minimumSize, slotOf } from "./layout.ts";

const shape = (desks: number, width: number, height: number) => {
  const l = chooseLayout(desks, width, height);
  return l && [l.size.name, l.columns, l.rows, l.height];
};

test("chooseLayout gives 3 desks at 80x24 the original's desks with room for the feed", () => {
  assert.deepEqual(shape(3, 80, 24), ["full", 3, 1, 15]);
});

test("chooseLayout makes 12 desks at 80x24 a compact office of two rows", () => {
  assert.deepEqual(shape(12, 80, 24), ["compact", 6, 2, 20]);
});

test("chooseLayout wraps desks into balanced rows, full when they fit, compact otherwise", () => {
  assert.deepEqual(shape(16, 160, 40), ["full", 8, 2, 28]);
  assert.deepEqual(shape(12, 160, 40), ["full", 6, 2, 28]);
  assert.deepEqual(shape(30, 160, 50), ["compact", 10, 3, 29]);
});

test("chooseLayout gives up below the compact office with one feed line", () => {
  assert.equal(chooseLayout(2, 40, 13), undefined);
  assert.deepEqual(shape(2, 40, 14), ["compact", 2, 1, 11]);
  assert.equal(chooseLayout(1, COMPACT.slotWidth + 1, 50), undefined);
  assert.deepEqual(minimumSize(2, 40), [40, 14]);
  assert.deepEqual(minimumSize(12, 10), [15, 12 * 9 + 2 + 3]);
});

test("slotOf centres the grid between the walls, as the original's 59 columns do", () => {
  const l = grid(FULL, 3, 59);
  assert.deepEqual([0, 1, 2].map((i) => slotOf(l, i).x + FULL.deskLeft), [6, 24, 42]);
  assert.deepEqual(slotOf(grid(FULL, 12, 80), 5), { x: 4 + 18, y: 1 + FULL.rowHeight });
});
