/**
 * The broker source of `viewer --nats <url>`: the mesh's event stream instead of one `/events`
 * stream per node. Each node publishes its hub events on `<mesh>.events.<role>` as
 * `{"event": "send"|"recv"|…, "data": …}` sealed with the mesh secret, and its hellos on
 * `<mesh>.events.<role>.hello`; they
 * become the same {@linkcode ViewerEvent}s as the SSE source makes. The viewer first replays the
 * last events the broker kept (`src/nats/history.ts`), then follows live.
 *
 * @module
 */

import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ConfigError } from "../../src/core/env.ts";
import { brokerRoleProblem } from "../../src/core/names.ts";
import { type NatsConfig, parseNatsConfig } from "../../src/nats/config.ts";
import { connectionOptions, describeConnectError, isAuthError } from "../../src/nats/connect.ts";
import { eventSealer, meshNames } from "../../src/nats/subjects.ts";
import type { MeshSealer } from "../../src/core/seal.ts";
import { signatureKey } from "../../src/core/signature.ts";
import { followHistory } from "../../src/nats/history.ts";
import { toViewerEvent } from "./sse.ts";
import type { ViewerEvent } from "../model/state.ts";

/**
 * The viewer event for one message on `<mesh>.events.<node>`, or `undefined` when it is not
 * one of ours (broker messages are trusted no more than any input). Nodes seal their events
 * with the mesh secret (`{"sealed":…}`): `sealer` opens them; an event that does not open
 * calls `onSealed` (another or no `INTERCOM_SECRET`). An unsealed event (nodes of an earlier
 * version) is read as it is.
 */
export function natsViewerEvent(
  subject: string,
  data: Uint8Array,
  sealer?: MeshSealer,
  onSealed?: () => void,
): ViewerEvent | undefined {
  // `<mesh>.events.<node>` or `<mesh>.events.<node>.hello`; a mesh name has no dot.
  const node = subject.split(".")[2] ?? "";
  try {
    let m = JSON.parse(new TextDecoder().decode(data));
    if (typeof m?.sealed === "string") {
      try {
        m = sealer?.open(m.sealed);
      } catch {
        m = undefined;
      }
      if (m === undefined) return void onSealed?.();
    }
    if (typeof m?.event !== "string") return undefined;
    return toViewerEvent(node, { event: m.event, data: JSON.stringify(m.data) });
  } catch {
    return undefined;
  }
}

/**
 * The broker settings of `viewer --nats <url>`: servers from the flag, mesh and login from
 * the same variables a node reads (INTERCOM_MESH, INTERCOM_NATS_CREDS/USER/PASSWORD/TOKEN,
 * INTERCOM_CA, INTERCOM_NATS_CERT/KEY),
 * checked by the node's own parser.
 *
 * @throws {ConfigError} naming the variable and the fix.
 */
export function viewerNatsConfig(
  url: string,
  env: Record<string, string | undefined>,
  readFile: (path: string) => string,
): NatsConfig {
  const viewerEnv = { ...env, INTERCOM_NATS_URL: url, INTERCOM_NATS_DURABLE: "" };
  const config = parseNatsConfig(viewerEnv, undefined, readFile);
  if (!config) throw new ConfigError("--nats needs a server URL such as nats://host:4222");
  return config;
}

/** Connects to the broker of `config` for watching. */
export function connectViewer(config: NatsConfig): Promise<NatsConnection> {
  return connect(connectionOptions(config, "talkie-walkie:viewer"));
}

/** The roles online now, from the presence bucket (empty when there is none yet). */
export async function meshMembers(nc: NatsConnection, mesh: string): Promise<string[]> {
  try {
    const kv = await new Kvm(nc).open(meshNames(mesh).presenceBucket);
    const roles: string[] = [];
    for await (const key of await kv.keys()) {
      // A key that is no role (written by hand) is not a member: the nodes ignore it too.
      if (brokerRoleProblem(key) === undefined) roles.push(key);
    }
    return roles.sort();
  } catch {
    return [];
  }
}

/**
 * Follows every node's events through the broker until `signal` aborts; never throws.
 *
 * @example
 * ```ts
 * const nc = await connectViewer(viewerNatsConfig("nats://127.0.0.1:4222", {}, () => ""));
 * const stop = new AbortController();
 * await followMesh(nc, "talkie", { signal: stop.signal, onEvent: (e) => console.error(e) });
 * ```
 */
export async function followMesh(
  nc: NatsConnection,
  mesh: string,
  options: {
    signal: AbortSignal;
    onEvent: (event: ViewerEvent) => void;
    /** Roles presence says are online: their desks show online before their next hello. */
    members?: readonly string[];
    /** The mesh secret (`INTERCOM_SECRET`): nodes seal their events with it. */
    secret?: string;
    /** Called once when an event does not open with `secret` (or there is none). */
    onSealed?: () => void;
  },
): Promise<void> {
  const names = meshNames(mesh);
  const sealer = options.secret === undefined
    ? undefined
    : eventSealer(signatureKey(options.secret));
  let told = false;
  const onSealed = () => {
    if (!told) options.onSealed?.();
    told = true;
  };
  const pass = (subject: string, data: Uint8Array) => {
    const event = natsViewerEvent(subject, data, sealer, onSealed);
    if (event) options.onEvent(event);
  };
  const live = (subject: string) =>
    nc.subscribe(subject, { callback: (err, msg) => void (err || pass(msg.subject, msg.data)) });
  for (const node of options.members ?? []) {
    options.onEvent({ type: "connection", node, status: "online" });
  }
  const subs = [live(names.allHellos)];
  // The last events the broker kept, then live ones from the same sequence; a mesh of nodes
  // that keep no history (an earlier version) is followed live only.
  const stopHistory = await followHistory(nc, { names, onMessage: pass }).catch(() => undefined);
  if (!stopHistory) subs.push(live(names.allEvents));
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) return resolve();
    options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  stopHistory?.();
  for (const sub of subs) sub.unsubscribe();
  await nc.close().catch(() => {});
}

export { describeConnectError, isAuthError };
