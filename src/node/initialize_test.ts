import assert from "node:assert/strict";
import { test } from "node:test";
import * as sdk from "../platform/sdk.ts";
import {
  asInitializeRequest,
  LATEST_PROTOCOL_VERSION,
  negotiateProtocolVersion,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "./initialize.ts";

test("the protocol versions are the MCP SDK's, newest first", () => {
  assert.equal(LATEST_PROTOCOL_VERSION, sdk.LATEST_PROTOCOL_VERSION);
  assert.deepEqual(SUPPORTED_PROTOCOL_VERSIONS, sdk.SUPPORTED_PROTOCOL_VERSIONS);
});

test("negotiateProtocolVersion keeps a supported version and answers the latest otherwise", () => {
  for (const v of SUPPORTED_PROTOCOL_VERSIONS) assert.equal(negotiateProtocolVersion(v), v);
  assert.equal(negotiateProtocolVersion("2026-07-28"), LATEST_PROTOCOL_VERSION);
  assert.equal(negotiateProtocolVersion(undefined), LATEST_PROTOCOL_VERSION);
});

const request = (over: Record<string, unknown> = {}, params: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "claude-code", version: "2.1.0" },
    ...params,
  },
  ...over,
});

test("asInitializeRequest takes a well-formed initialize request", () => {
  assert.deepEqual(asInitializeRequest(request({ id: "a" })), {
    id: "a",
    params: {
      protocolVersion: "2025-06-18",
      clientInfo: { name: "claude-code", version: "2.1.0" },
    },
  });
});

test("asInitializeRequest leaves to the MCP server what it would refuse or is not initialize", () => {
  const refused = [
    request({ method: "tools/list" }),
    request({ jsonrpc: "1.0" }),
    request({ id: 1.5 }),
    request({ id: null }),
    request({ extra: true }),
    request({}, { protocolVersion: 20250618 }),
    request({}, { capabilities: undefined }),
    request({}, { clientInfo: { name: "x" } }),
    request({}, { clientInfo: "claude-code" }),
    { jsonrpc: "2.0", method: "initialize" },
    "initialize",
    null,
  ];
  for (const message of refused) {
    assert.equal(asInitializeRequest(message), undefined, JSON.stringify(message));
  }
});
