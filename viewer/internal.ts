/**
 * The parts of the viewer, for tools and tests that build on them: the model's pieces, the
 * scene's layout and cells, the operator's prompts and keys. Outside the semver promise: a
 * minor release may change them. The supported surface is `mod.ts`.
 *
 * @module
 */

export * from "./mod.ts";
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
