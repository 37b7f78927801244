/**
 * claude-talkie-walkie: an N-way bridge between Claude Code sessions over the Channels API.
 *
 * This entry is the supported surface: create or serve a node, load its configuration, and the
 * types they take and return. The parts a node is made of (the hub, the messenger, the receive
 * rules, the HTTP handler…) are in `./internal.ts` (the `./internal` export), outside the
 * semver promise.
 *
 * Importing this module has no side effects. Run it (`deno run -A mod.ts`) and it starts the
 * command line, the same as `main.ts` and the npm bin.
 *
 * @example Start a node on stdio, as `npx claude-talkie-walkie` does
 * ```ts ignore
 * import { loadConfig, serveNode } from "./mod.ts";
 * const config = loadConfig([], { MY_ROLE: "backend", PEERS: "frontend=10.0.0.6" }, () => "");
 * const node = await serveNode(config, { log: (line) => console.error(line) });
 * ```
 * @module
 */

// Configuration
export { loadConfig, type LocalSources } from "./src/app/config.ts";
export {
  type Config,
  ConfigError,
  type Env,
  type NatsConfig,
  type NatsTls,
} from "./src/node/config.ts";
export type { Peer } from "./src/node/transport.ts";
// The node, assembled (createNode) or serving (serveNode)
export { createNode, type Handler, type MeshNode, type NodeDeps } from "./src/app/create_node.ts";
export type { StoreInfo, StoreState } from "./src/store/store.ts";
export { serveNode, type ServeOptions, type ServingNode } from "./src/app/serving.ts";
export type { NodeBody } from "./src/http/body.ts";
export type { HttpRequest } from "./src/http/request.ts";
// What travels and what becomes of it
export { type Envelope, parseEnvelope, type ParseOptions } from "./src/core/envelope.ts";
export type { DeliveryOutcome, FailureKind } from "./src/core/outcome.ts";
export type { Logger } from "./src/platform/log.ts";
export { VERSION } from "./src/platform/version.ts";

// `import.meta.main` is Deno's (Node 20 lacks it); the npm bin calls main() itself.
if ((import.meta as { main?: boolean }).main) {
  const { default: process } = await import("node:process");
  const { main } = await import("./src/cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
}
