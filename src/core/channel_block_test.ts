import assert from "node:assert/strict";
import { test } from "node:test";
import { channelBlock } from "./channel_block.ts";

test("channelBlock: source first, meta in order, values escaped, bad keys left out", () => {
  const block = channelBlock({
    content: "line 1\nline 2",
    meta: { from: "backend", message_id: "m1", note: 'a"<b>&', "bad-key": "x", source: "evil" },
  });
  assert.equal(
    block,
    '<channel source="talkie-walkie" from="backend" message_id="m1" ' +
      'note="a&quot;&lt;b&gt;&amp;">\nline 1\nline 2\n</channel>',
  );
});
