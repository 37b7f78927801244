/**
 * What the demo's stand-in Claude sessions say: opening lines per role and a reply policy.
 * Pure, so the conversation is the same every run for a given seed.
 *
 * @module
 */

/** The demo's three roles. */
export const DEMO_ROLES = ["backend", "frontend", "tester"] as const;

/** Something a stand-in session does: send to one peer or broadcast. */
export type DemoAction =
  | { tool: "send_message"; to: string; message: string; reply_to?: string }
  | { tool: "broadcast_message"; message: string };

/** Openers, in the order the demo cycles through them. */
export const OPENERS: { from: string; action: DemoAction }[] = [
  {
    from: "frontend",
    action: {
      tool: "send_message",
      to: "backend",
      message: "What API endpoints exist for user profiles? I'm wiring the settings page.",
    },
  },
  {
    from: "tester",
    action: {
      tool: "send_message",
      to: "backend",
      message: "POST /api/users returns 500 when the email has a plus sign. Can you look?",
    },
  },
  {
    from: "backend",
    action: {
      tool: "broadcast_message",
      message: "Heads-up: migrating the users table in 5 minutes, writes pause for ~30 s.",
    },
  },
  {
    from: "frontend",
    action: {
      tool: "send_message",
      to: "tester",
      message: "Settings page is on the preview branch, could you run the e2e suite on it?",
    },
  },
];

/** The feed's note when the openers start over, so a repeated conversation is not news. */
export const RESTART_NOTE = "— demo script restarts —";

/**
 * The `n`th opener (0-based, cycling through {@linkcode OPENERS}) and whether it starts the
 * script over.
 *
 * @example
 * ```ts
 * openerAt(OPENERS.length).restarts; // true
 * ```
 */
export function openerAt(n: number): { from: string; action: DemoAction; restarts: boolean } {
  return { ...OPENERS[n % OPENERS.length], restarts: n > 0 && n % OPENERS.length === 0 };
}

/** Canned replies by `receiver<-sender`. */
const REPLIES: Record<string, string[]> = {
  "backend<-frontend": [
    "GET /api/users/:id and PATCH /api/users/:id; avatar upload is POST /api/users/:id/avatar.",
    "Schema is in docs/api/users.md, responses are camelCase.",
  ],
  "backend<-tester": [
    "Found it: the validator was URL-decoding the email. Fix pushed in a1b2c3, please re-run.",
  ],
  "frontend<-backend": [
    "Thanks, I'll switch the form to PATCH and debounce the avatar upload.",
    "Noted, I'll show a read-only banner while writes are paused.",
  ],
  "tester<-frontend": ["Running it now: 42 specs on chromium and webkit."],
  "tester<-backend": ["Re-ran: 42 passed, 0 failed. The plus-sign case is covered now."],
};

/**
 * The reply a stand-in session gives to a message, or undefined to stay quiet. Replies only go
 * one level deep (never to a reply), which keeps two scripted sessions
 * from answering each other forever, as the node's instructions ask real sessions to do.
 *
 * @param role the session that received the message.
 * @param from the sender.
 * @param isReply whether the received message answers another one.
 * @param turn a counter that picks among the canned replies.
 */
export function replyFor(
  role: string,
  from: string,
  isReply: boolean,
  turn: number,
): DemoAction | undefined {
  const lines = REPLIES[`${role}<-${from}`];
  if (isReply || !lines) return undefined;
  return { tool: "send_message", to: from, message: lines[turn % lines.length] };
}

/** What the demo prints after it stops: the step that sets up real sessions. */
export const NEXT_STEP =
  "Next: connect your own Claude Code sessions: in each project directory run " +
  "npx -y claude-talkie-walkie init";

/**
 * The printed line for one channel event a stand-in session received: a chat message as
 * `14:32:17 frontend → tester: text`, a read receipt as `14:32:18 tester read frontend's
 * message`, anything else (other delivery reports, events of an unknown shape) `undefined`.
 *
 * @param role the session that received the event.
 * @param meta the event's meta attributes (see `node/channel.ts`).
 * @param content the event's text.
 * @param clock formats an ISO time (or the arrival time) as `HH:MM:SS`.
 */
export function demoLine(
  role: string,
  meta: Readonly<Record<string, string>>,
  content: string,
  clock: (iso?: string) => string,
): string | undefined {
  if (meta.kind === "delivery_report") {
    if (meta.outcome !== "read" || !meta.peer || meta.count) return undefined;
    return `${clock()} ${meta.peer} read ${role}'s message`;
  }
  if (meta.kind !== undefined || !meta.from || !meta.to) return undefined;
  return `${clock(meta.sent_at)} ${meta.from} → ${meta.to}: ${content.replace(/\s+/g, " ")}`;
}
