/**
 * JSON answers of the handler. Under Deno they are web `Response`s. Under Node a `Response` of
 * undici costs about 25-50 µs to build and read back (its body is a web stream), as much as the
 * rest of a `/message` answer: there {@linkcode jsonResponse} makes a {@linkcode JsonResponse},
 * which is a `Response` to `instanceof` and to anyone who reads it (`status`, `headers`,
 * `text()`, `json()`, …), and which the Node adapter writes straight from its text.
 *
 * @module
 */

import { isDeno } from "../platform/runtime.ts";

/**
 * A JSON answer that builds nothing until asked: `headers` and `body` are made on first read.
 * Only {@linkcode jsonResponse} makes them (under Node).
 */
export class JsonResponse {
  readonly status: number;
  readonly statusText = "";
  readonly type = "default";
  readonly url = "";
  readonly redirected = false;
  /** The body, for the adapter to write as it is. */
  readonly bodyText: string;
  /** The headers as given, for the adapter. */
  readonly headerRecord: Readonly<Record<string, string>>;
  #headers?: Headers;
  #used = false;

  constructor(status: number, text: string, headers: Record<string, string>) {
    linkPrototype();
    this.status = status;
    this.bodyText = text;
    this.headerRecord = headers;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get headers(): Headers {
    return this.#headers ??= new Headers(this.headerRecord);
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  get body(): ReadableStream<Uint8Array> {
    this.#used = true;
    return new Response(this.bodyText).body!;
  }

  text(): Promise<string> {
    this.#used = true;
    return Promise.resolve(this.bodyText);
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return new TextEncoder().encode(await this.text()).buffer as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new TextEncoder().encode(await this.text());
  }

  clone(): Response {
    return new JsonResponse(this.status, this.bodyText, {
      ...this.headerRecord,
    }) as unknown as Response;
  }
}
/**
 * Makes `instanceof Response` hold (the handler tells answers from bodies that way); every member
 * a reader uses is JsonResponse's own, so Response's brand checks never run on it. Done at the
 * first answer, not at import: under Node the first touch of `Response` loads its internal undici
 * (~25-50 ms), which start-up does not need.
 */
let linkPrototype = () => {
  Object.setPrototypeOf(JsonResponse.prototype, Response.prototype);
  linkPrototype = () => {};
};

/**
 * A JSON response with `status`, body `text` (already JSON) and `headers`.
 *
 * @example
 * ```ts
 * const res = jsonResponse(200, '{"ok":true}', { "content-type": "application/json" });
 * ```
 */
export function jsonResponse(
  status: number,
  text: string,
  headers: Record<string, string>,
): Response {
  return isDeno
    ? new Response(text, { status, headers })
    : new JsonResponse(status, text, headers) as unknown as Response;
}
