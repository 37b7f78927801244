import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePeerAddress } from "./address.ts";

test("parsePeerAddress gives a bare host port 8788 over http", () => {
  assert.equal(parsePeerAddress("10.0.0.6"), "http://10.0.0.6:8788");
  assert.equal(parsePeerAddress("backend.local"), "http://backend.local:8788");
});

test("parsePeerAddress keeps a given port", () => {
  assert.equal(parsePeerAddress("10.0.0.6:9000"), "http://10.0.0.6:9000");
  assert.equal(parsePeerAddress("http://10.0.0.6:80"), "http://10.0.0.6");
});

test("parsePeerAddress gives http:// without a port 8788 too", () => {
  assert.equal(parsePeerAddress("http://10.0.0.6"), "http://10.0.0.6:8788");
});

test("parsePeerAddress uses https on 443 for https URLs and ngrok domains", () => {
  assert.equal(parsePeerAddress("https://peer.example.com"), "https://peer.example.com");
  assert.equal(parsePeerAddress("abc.ngrok-free.app"), "https://abc.ngrok-free.app");
  assert.equal(parsePeerAddress("abc.ngrok.io"), "https://abc.ngrok.io");
  assert.equal(parsePeerAddress("x.ngrok.app"), "https://x.ngrok.app");
  assert.equal(parsePeerAddress("https://h.example:8443/"), "https://h.example:8443");
});

test("parsePeerAddress accepts bracketed IPv6 literals", () => {
  assert.equal(parsePeerAddress("[::1]"), "http://[::1]:8788");
  assert.equal(parsePeerAddress("[fe80::1]:9000"), "http://[fe80::1]:9000");
  assert.equal(parsePeerAddress("https://[::1]"), "https://[::1]");
});

test("parsePeerAddress keeps a path prefix for reverse proxies", () => {
  assert.equal(parsePeerAddress("https://proxy.example/talkie/"), "https://proxy.example/talkie");
});

test("parsePeerAddress rejects unparsable addresses with the reason", () => {
  for (const bad of ["", "  ", "ftp://x", "host:0", "host:70000", "host:", "a b", "u:p@h"]) {
    assert.throws(() => parsePeerAddress(bad), SyntaxError, bad);
  }
});

test("parsePeerAddress names the port range for a port over 65535", () => {
  assert.throws(() => parsePeerAddress("127.0.0.1:99999"), /between 1 and 65535/);
});

test("parsePeerAddress says what is wrong with common slips", () => {
  assert.throws(() => parsePeerAddress("fd00::6"), /IPv6 address: put it in brackets/);
  assert.throws(() => parsePeerAddress("user:pw@host"), /user info/);
  assert.throws(
    () => parsePeerAddress("http://user:XYZZY@127.0.0.1:9"),
    (e: Error) => /user info/.test(e.message) && !e.message.includes("XYZZY"),
  );
  assert.throws(() => parsePeerAddress("host;b=host2"), /not a DNS name or IP/);
});

test("parsePeerAddress explains that ngrok domains take no port", () => {
  assert.throws(
    () => parsePeerAddress("abc.ngrok-free.app:8788"),
    /ngrok serves its domains over HTTPS on port 443 only.*write abc\.ngrok-free\.app without a port/,
  );
  assert.equal(parsePeerAddress("https://abc.ngrok-free.app:443"), "https://abc.ngrok-free.app");
});
