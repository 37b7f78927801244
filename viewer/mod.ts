/**
 * The terminal viewer of claude-talkie-walkie: every node's activity as one open-space office.
 *
 * The core is pure: {@linkcode update} folds node events into a {@linkcode ViewerState}, and
 * {@linkcode render} draws a state at a size and time into a {@linkcode Frame}.
 * {@linkcode viewerMain} runs the whole command. Importing this module has no side effects.
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

export {
  CHAT_LIMIT,
  type ChatLine,
  type Connection,
  type Desk,
  findDesk,
  type Flight,
  initialState,
  type Mood,
  moodOf,
  TIMING,
  update,
  type ViewerEvent,
  type ViewerState,
} from "./model/state.ts";
export {
  type DeliveryEvent,
  type DeliveryMark,
  type DeliveryState,
  markDelivery,
  type ReportOutcome,
  type SendStatus,
} from "./model/delivery.ts";
export {
  type Compose,
  type ComposeEdit,
  type OperatorFields,
  type PendingPrompt,
  PROMPT_TTL_MS,
  type PromptEvent,
  type PromptRequest,
} from "./model/prompts.ts";
export { type ActionResult, type OperatorActions } from "./web/actions.ts";
export {
  loadOperatorKey,
  operatorActions,
  type OperatorReply,
  type OperatorSendOptions,
  sendOperatorMessage,
  sendVerdict,
} from "./operator.ts";
export { preferredHeight, render, type RenderOptions } from "./view/scene.ts";
export { type Cell, diff, type DiffOptions, fit, Frame, textWidth } from "./view/frame.ts";
export { type Color, type Style, visible } from "./view/ansi.ts";
export { followNode, type SourceOptions, toViewerEvent } from "./sources/sse.ts";
export { parseTargets, resolveTargets, type Target } from "./model/targets.ts";
export { VIEWER_HELP, viewerMain, type ViewerMainOptions } from "./main.ts";
