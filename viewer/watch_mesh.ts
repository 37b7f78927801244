/**
 * `viewer --nats <url>`: desks for the members online now (and for every node that says hello
 * later), events of every node through the broker, and, with the operator key, verdicts and
 * operator messages over the broker too (`operator_nats.ts`).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import type { KeyObject } from "node:crypto";
import process from "node:process";
import {
  connectViewer,
  describeConnectError,
  followMesh,
  meshMembers,
  viewerNatsConfig,
} from "./sources/nats.ts";
import { initialState, type ViewerEvent } from "./model/state.ts";
import { natsOperatorSend } from "./operator_nats.ts";
import {
  fold,
  offerNotes,
  operatorParts,
  show,
  type ViewerMainOptions,
  type WebFlags,
  write,
} from "./show.ts";
import type { LiveView } from "./web/run.ts";

/** The flags `watchMesh` reads. */
export interface MeshFlags {
  once?: boolean;
  "no-color"?: boolean;
  web?: WebFlags;
  /** The operator's private key, when the viewer holds one. */
  operatorKey?: KeyObject;
}

/**
 * Watches the mesh of broker `url` until quit.
 *
 * @returns the exit code: 2 for bad broker settings, 1 when the broker cannot be reached.
 */
export async function watchMesh(
  url: string,
  env: Record<string, string | undefined>,
  values: MeshFlags,
  fps: number,
  options: ViewerMainOptions,
): Promise<number> {
  let config;
  try {
    config = viewerNatsConfig(url, env, (p) => readFileSync(p, "utf8"));
  } catch (e) {
    await write(process.stderr, `viewer: ${(e as Error).message}\n`);
    return 2;
  }
  let nc;
  try {
    nc = await connectViewer(config);
  } catch (e) {
    await write(process.stderr, `viewer: ${describeConnectError(e, config)}\n`);
    return 1;
  }
  const members = await meshMembers(nc, config.mesh);
  const view: LiveView = { state: initialState(members, Date.now()) };
  offerNotes(view, options);
  const stop = new AbortController();
  const into = fold(view);
  // A node that joins after the viewer started says hello: it gets a desk of its own.
  const onEvent = (event: ViewerEvent) => {
    if (
      event.type === "hello" &&
      !view.state.desks.some((d) => d.watched && d.key === event.node)
    ) {
      into({ type: "watch", nodes: [event.node] });
    }
    into(event);
  };
  // Nodes seal their events with the mesh secret: without INTERCOM_SECRET nothing opens.
  const secret = env.INTERCOM_SECRET?.trim() || undefined;
  const onSealed = () =>
    void write(
      process.stderr,
      secret === undefined
        ? "viewer: the nodes' events are encrypted: set INTERCOM_SECRET to the mesh's secret\n"
        : "viewer: an event does not open with this INTERCOM_SECRET: is it the mesh's secret?\n",
    );
  const source = followMesh(nc, config.mesh, {
    members,
    signal: stop.signal,
    onEvent,
    secret,
    onSealed,
  });
  const send = values.operatorKey && natsOperatorSend(values.operatorKey, nc, config.mesh);
  const recipients = () =>
    view.state.desks.filter((d) => d.watched && d.connection === "online").map((d) => d.key);
  const { onKey, actions } = operatorParts(view, send, recipients);
  return await show(view, [source], stop, {
    once: values.once,
    noColor: values["no-color"],
    fps,
    env,
    signal: options.signal,
    web: values.web,
    options: { ...options, operator: options.operator ?? actions },
    onKey,
    operatorPanel: send !== undefined,
  });
}
