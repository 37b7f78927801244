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

async function post(
  key: KeyObject,
  to: { url: string; role: string; mesh?: string },
  path: string,
  body: unknown,
  options: OperatorSendOptions,
): Promise<OperatorReply> {
  const { url } = to;
  const text = JSON.stringify(body);
  // Signed for this node only: the same request sent to any other node is refused there.
  const target: OperatorTarget = { role: to.role, ...(to.mesh ? { mesh: to.mesh } : {}) };
  const headers = signOperatorRequest(key, {
    method: "POST",
    path,
    body: text,
    target,
    id: `op_${randomUUID()}`,
    timestamp: Math.floor((options.now ?? Date.now)() / 1000),
  });
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
  const body = { request_id: verdict.requestId, behavior: verdict.behavior };
  return post(key, verdict, "/operator/verdict", body, options);
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
  return post(key, message, "/operator/message", { text: message.text }, options);
}

/**
 * The operator's actions for the web page (`web/actions.ts`): verdicts and messages signed
 * with `key` and sent to the watched nodes at `urls` (desk key → base URL). Each is signed for
 * the node named by its desk key, which is the role given on the command line.
 */
export function operatorActions(
  key: KeyObject,
  urls: ReadonlyMap<string, string>,
  options: OperatorSendOptions = {},
): OperatorActions {
  const result = (reply: OperatorReply): ActionResult =>
    reply.ok ? { ok: true } : { ok: false, error: reply.error };
  const unknown = (node: string): ActionResult => ({
    ok: false,
    error: `"${node}" is not a watched node`,
  });
  return {
    async verdict(node, requestId, behavior) {
      const url = urls.get(node);
      if (!url) return unknown(node);
      return result(await sendVerdict(key, { url, role: node, requestId, behavior }, options));
    },
    async message(to, text) {
      const nodes = to === "all" ? [...urls.keys()] : [to];
      const failed: string[] = [];
      for (const node of nodes) {
        const url = urls.get(node);
        if (!url) return unknown(node);
        const reply = await sendOperatorMessage(key, { url, role: node, text }, options);
        if (!reply.ok) failed.push(`${node}: ${reply.error}`);
      }
      return failed.length ? { ok: false, error: failed.join("; ") } : { ok: true };
    },
  };
}
