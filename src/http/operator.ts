/**
 * The operator's two HTTP endpoints, `POST /operator/verdict` and `POST /operator/message`:
 * the HTTP face of the node's operator rules (`node/operator.ts`). The headers are checked
 * before any body is read, and the body is read like an unverified `POST /message` body: the
 * same size and time limits, the same bound on reads at once.
 *
 * @module
 */

import type { OperatorReceiver } from "../node/operator.ts";
import type { Answer } from "../node/receive.ts";
import type { HttpRequest } from "./request.ts";

/** The paths served here. */
export const OPERATOR_PATHS: readonly string[] = ["/operator/verdict", "/operator/message"];

/**
 * Reads the body of a request whose signature is not yet known: the handler's one reader of
 * unverified bodies (size and time limits, and a bound on reads at once), or the refusal.
 */
export type ReadUnverified = () => Promise<Uint8Array | Response>;

const respond = ({ status, body }: Answer, close = false) =>
  new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      // Refusals before the body is read end the connection, so an upload cannot hold it open.
      ...(close ? { connection: "close" } : {}),
    },
  });

/** Makes the handler of `POST /operator/verdict` and `POST /operator/message`. */
export function operatorRoutes(
  receiver: OperatorReceiver,
): (request: HttpRequest, path: string, read: ReadUnverified) => Promise<Response> {
  return async (request, path, read) => {
    const early = receiver.check(request.headers);
    if (early) return respond(early, true);
    const body = await read();
    if (body instanceof Response) return body;
    const action = path.slice("/operator/".length);
    return respond(await receiver.receive({ action, headers: request.headers, body }));
  };
}
