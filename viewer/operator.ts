/**
 * The operator's side of the permission relay: loading the private key and sending signed
 * verdicts and operator messages to a node. No terminal code here, so a web viewer can reuse
 * it.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { defaultOperatorKeyFile, openToOthers } from "../src/platform/dirs.ts";
import { createPrivateKey, type KeyObject, randomUUID } from "node:crypto";
import { type OperatorTarget, signOperatorRequest } from "../src/core/operator_signature.ts";
import type { ActionResult, OperatorActions } from "./web/actions.ts";

/**
 * Reads an Ed25519 private key (PKCS#8 PEM, as `operator-key` writes it).
 *
 * @throws {Error} saying which file is unreadable or not an Ed25519 private key.
 */
export function loadOperatorKey(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(
      `Cannot read the operator key "${path}": ${(e as { code?: string }).code ?? e}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error(
      `"${path}" is not a private key: create one with claude-talkie-walkie operator-key`,
    );
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(
      `"${path}" is not an Ed25519 key: create one with claude-talkie-walkie operator-key`,
    );
  }
  return key;
}

/** Whether a key file is readable by others than its owner (POSIX mode bits). */
export function keyFileIsOpen(path: string): boolean {
  return openToOthers(path);
}

/**
 * The viewer's operator key: the file named by `--operator-key`, else the default key file
 * when it exists, else none (the viewer then only watches).
 *
 * @param warn told when the file is readable by others.
 * @throws {Error} when the file named (or the default one) cannot be used.
 */
export function viewerOperatorKey(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  warn: (text: string) => void,
): KeyObject | undefined {
  const path = flag ?? defaultOperatorKeyFile(env);
  if (flag === undefined && !existsSync(path)) return undefined;
  const key = loadOperatorKey(path);
  if (keyFileIsOpen(path)) warn(`"${path}" is readable by others: chmod 600 it`);
  return key;
}

/** What a node answered: `ok`, or the error it gave (one line) and the HTTP status. */
export type OperatorReply = { ok: true } | { ok: false; status: number; error: string };

/** Options shared by {@linkcode sendVerdict} and {@linkcode sendOperatorMessage}. */
export interface OperatorSendOptions {
  /** The `fetch` to use (a private CA's); the global one by default. */
  fetch?: typeof fetch;
  /** Clock, ms. */
  now?: () => number;
  /** Gives up after this long, ms (default 10 000). */
  timeoutMs?: number;
}

/** The two operator requests: their paths are `/operator/verdict` and `/operator/message`. */
export type OperatorAction = "verdict" | "message";

/**
 * One operator request to one node, however it travels (HTTP, or the broker): the node's
 * desk key, the action and its JSON body; resolves to the node's answer, never rejects.
 */
export type OperatorSend = (
  node: string,
  action: OperatorAction,
  body: Record<string, unknown>,
) => Promise<OperatorReply>;

/**
 * The body text and the three operator headers of `POST /operator/<action>` signed with `key`
 * (`core/operator_signature.ts`): the one signing step of every operator request, whichever
 * way it travels.
 *
 * @param request.target the node it is for: its role (the desk name the operator gave, never
 *   the role an address claims) and its mesh in broker mode.
 * @param request.nowMs the signing time, ms.
 */
export function signedOperatorRequest(
  key: KeyObject,
  request: {
    target: OperatorTarget;
    action: OperatorAction;
    body: Record<string, unknown>;
    nowMs: number;
  },
): { path: string; text: string; headers: Record<string, string> } {
  const path = `/operator/${request.action}`;
  const text = JSON.stringify(request.body);
  // Signed for this node only: the same request sent to any other node is refused there.
  const { role, mesh } = request.target;
  const headers = signOperatorRequest(key, {
    method: "POST",
    path,
    body: text,
    target: { role, ...(mesh ? { mesh } : {}) },
    id: `op_${randomUUID()}`,
    timestamp: Math.floor(request.nowMs / 1000),
  });
  return { path, text, headers };
}

async function post(
  key: KeyObject,
  to: { url: string; role: string; mesh?: string },
  action: OperatorAction,
  body: Record<string, unknown>,
  options: OperatorSendOptions,
): Promise<OperatorReply> {
  const { url, ...target } = to;
  const nowMs = (options.now ?? Date.now)();
  const { path, text, headers } = signedOperatorRequest(key, { target, action, body, nowMs });
  try {
    const response = await (options.fetch ?? fetch)(`${url}${path}`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: text,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    if (response.ok) {
      await response.body?.cancel();
      return { ok: true };
    }
    let error = `HTTP ${response.status}`;
    try {
      const answer = await response.json() as { error?: unknown };
      if (typeof answer.error === "string") error = answer.error.slice(0, 300);
    } catch { /* not JSON */ }
    return { ok: false, status: response.status, error };
  } catch (e) {
    return { ok: false, status: 0, error: (e as Error).message };
  }
}

/**
 * Answers a node's permission prompt: `POST <url>/operator/verdict` signed with `key` for the
 * node `role` (and `mesh`), so no other node takes it.
 *
 * @param verdict.url the node's base URL (`http://10.0.0.6:8788`).
 * @param verdict.role the node's role: the signature is valid on that node only.
 * @example
 * ```ts
 * const key = loadOperatorKey("/home/me/.config/claude-talkie-walkie/operator.key");
 * const reply = await sendVerdict(key, {
 *   url: "http://10.0.0.6:8788",
 *   role: "backend",
 *   requestId: "abcde",
 *   behavior: "allow",
 * });
 * ```
 */
export function sendVerdict(
  key: KeyObject,
  verdict: {
    url: string;
    role: string;
    mesh?: string;
    requestId: string;
    behavior: "allow" | "deny";
  },
  options: OperatorSendOptions = {},
): Promise<OperatorReply> {
  const { requestId, behavior, ...to } = verdict;
  return post(key, to, "verdict", { request_id: requestId, behavior }, options);
}

/**
 * Sends a message from the human operator to a node's session (`POST <url>/operator/message`
 * signed with `key` for the node `role`); it arrives with `from="operator"` and
 * `operator="true"`.
 */
export function sendOperatorMessage(
  key: KeyObject,
  message: { url: string; role: string; mesh?: string; text: string },
  options: OperatorSendOptions = {},
): Promise<OperatorReply> {
  const { text, ...to } = message;
  return post(key, to, "message", { text }, options);
}

/**
 * Operator requests over HTTP to the watched nodes at `urls` (desk key → base URL, read at
 * each request, so a node that moved to a new port is reached there).
 */
export function httpOperatorSend(
  key: KeyObject,
  urls: ReadonlyMap<string, string>,
  options: OperatorSendOptions = {},
): OperatorSend {
  return (node, action, body) => {
    const url = urls.get(node);
    if (!url) {
      return Promise.resolve({ ok: false, status: 0, error: `"${node}" is not a watched node` });
    }
    // Signed for the node as the operator named it, whatever role its address claims.
    return post(key, { url, role: node }, action, body, options);
  };
}

/**
 * The operator's actions for the web page (`web/actions.ts`): verdicts and messages signed
 * with `key` and sent to the watched nodes at `urls` (desk key → base URL).
 */
export function operatorActions(
  key: KeyObject,
  urls: ReadonlyMap<string, string>,
  options: OperatorSendOptions = {},
): OperatorActions {
  return actionsOver(httpOperatorSend(key, urls, options), () => [...urls.keys()]);
}

/**
 * The web page's operator actions over any {@linkcode OperatorSend}; `recipients` lists the
 * nodes `"all"` means.
 */
export function actionsOver(send: OperatorSend, recipients: () => string[]): OperatorActions {
  const result = (reply: OperatorReply): ActionResult =>
    reply.ok ? { ok: true } : { ok: false, error: reply.error };
  return {
    async verdict(node, requestId, behavior) {
      return result(await send(node, "verdict", { request_id: requestId, behavior }));
    },
    async message(to, text) {
      const nodes = to === "all" ? recipients() : [to];
      const failed: string[] = [];
      for (const node of nodes) {
        const reply = await send(node, "message", { text });
        if (!reply.ok) failed.push(`${node}: ${reply.error}`);
      }
      return failed.length ? { ok: false, error: failed.join("; ") } : { ok: true };
    },
  };
}
