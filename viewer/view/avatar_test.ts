import assert from "node:assert/strict";
import { test } from "node:test";
import { COMPACT_SPRITE, FULL_SPRITE } from "./avatar.ts";
import { type Face, MOODS } from "./moods.ts";
import { textWidth } from "./frame.ts";
import { T0 } from "../_fixtures.ts";
import type { Desk } from "../model/state.ts";

const faces: Face[] = (["open", "closed", "left", "right", "x"] as const).flatMap((eyes) =>
  (["open", "closed"] as const).flatMap((mouth) =>
    ([-1, 0, 1] as const).map((ear) => ({ eyes, mouth, ear }))
  )
);

test("every face keeps each sprite's rows at the sprite's width and height", () => {
  for (const sprite of [FULL_SPRITE, COMPACT_SPRITE]) {
    for (const face of faces) {
      const rows = sprite.draw(face);
      assert.equal(rows.length, sprite.height);
      for (const row of rows) assert.equal(textWidth(row), sprite.width, JSON.stringify(face));
    }
  }
});

test("the full sprite is the original's avatar, its ear toward the speaker", () => {
  const face: Face = { eyes: "open", mouth: "closed", ear: 0 };
  assert.deepEqual(FULL_SPRITE.draw(face), [" ▄████▄ ", "██▄██▄██", "██▀██▀██", " ▀████▀ "]);
  assert.equal(FULL_SPRITE.draw({ ...face, ear: 1 })[0], " ▄████▄█");
  assert.equal(FULL_SPRITE.draw({ ...face, ear: -1 })[0], "█▄████▄ ");
  assert.equal(FULL_SPRITE.draw({ ...face, mouth: "open" })[2], "███  ███");
});

test("each mood draws a face of its own and a label that fits a desk", () => {
  const desk: Desk = { key: "a", role: "a", watched: true, talkedAt: T0, connection: "online" };
  const seen = new Set<string>();
  for (const [mood, look] of Object.entries(MOODS)) {
    const context = { desk, now: T0, toward: -1 as const };
    const label = look.label(context);
    assert.ok(textWidth(label) <= 12, `${mood}: ${label}`);
    seen.add(FULL_SPRITE.draw(look.face(context)).join("\n"));
  }
  assert.equal(seen.size, Object.keys(MOODS).length);
});

test("desks with similar names blink at different times", () => {
  const closedAt = (key: string) => {
    const desk: Desk = { key, role: key, watched: true, connection: "online" };
    const out: number[] = [];
    for (let t = 0; t < 4000; t += 100) {
      if (MOODS.idle.face({ desk, now: T0 + t, toward: 0 }).eyes === "closed") out.push(t);
    }
    return out.join(",");
  };
  const names = Array.from({ length: 12 }, (_, i) => `node-${String(i + 1).padStart(2, "0")}`);
  assert.ok(new Set(names.map(closedAt)).size >= 8);
});
