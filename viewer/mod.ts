/**
 * The terminal viewer of claude-talkie-walkie: every node's activity as one open-space office.
 *
 * The core is pure: {@linkcode update} folds node events into a {@linkcode ViewerState}, and
 * {@linkcode render} draws a state at a size and time into a {@linkcode Frame}.
 * {@linkcode viewerMain} runs the whole command. The parts (layout, scene pieces, the web
 * viewer's wire, the operator's prompts) are in `./internal.ts` (the `./viewer/internal`
 * export), outside the semver promise. Importing this module has no side effects.
 *
 * @example
 * ```ts
 * import { initialState, render, update } from "./mod.ts";
 * let state = initialState(["backend"]);
 * state = update(state, { type: "connection", node: "backend", status: "offline" }, Date.now());
 * console.log(render(state, { width: 80, height: 24, now: Date.now() }).toText());
 * ```
 *
 * @module
 */

// The command
export { viewerMain, type ViewerMainOptions } from "./main.ts";
export type { ActionResult, OperatorActions } from "./web/actions.ts";
// The pure core: events fold into a state, a state draws into a frame
export {
  type ChatLine,
  type Connection,
  type Desk,
  type Flight,
  initialState,
  type Mood,
  update,
  type ViewerEvent,
  type ViewerState,
} from "./model/state.ts";
export type {
  DeliveryEvent,
  DeliveryMark,
  DeliveryState,
  ReportOutcome,
  SendStatus,
} from "./model/delivery.ts";
export type {
  Compose,
  ComposeEdit,
  OperatorFields,
  PendingPrompt,
  PromptEvent,
  PromptRequest,
} from "./model/prompts.ts";
export { render, type RenderOptions } from "./view/scene.ts";
export { type Cell, diff, type DiffOptions, Frame } from "./view/frame.ts";
export type { Color, Style } from "./view/ansi.ts";
export type { Envelope } from "../src/core/envelope.ts";
