import { test } from "node:test";
import { waitFor } from "../../tests/support/wait.ts";
import { startDemo } from "./demo.ts";
import { OPENERS } from "./demo_script.ts";

test("startDemo says when its scripted conversation starts over", async () => {
  const lines: string[] = [];
  let restarts = 0;
  const mesh = await startDemo({
    intervalMs: 150,
    onLine: (l) => lines.push(l),
    onRestart: () => {
      restarts++;
    },
  });
  try {
    await waitFor(() => restarts > 0, "the demo script to start over", 30_000);
    // Every opener reached its recipient's session.
    for (const o of OPENERS) {
      const text = o.action.message.replace(/\s+/g, " ");
      await waitFor(() => lines.some((l) => l.endsWith(text)), `"${text}" delivered`, 30_000);
    }
  } finally {
    await mesh.close();
  }
});
