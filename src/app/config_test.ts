import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { generateKeyPairSync } from "node:crypto";
import { ConfigError, DEFAULT_SECRET } from "../node/config.ts";
import { loadConfig, parseAllowedHosts, parsePeers } from "./config.ts";

const noFile = () => {
  throw new Error("no file");
};

test("loadConfig uses the v2 defaults", () => {
  const c = loadConfig([], {}, noFile);
  assert.equal(c.role, "developer-a");
  assert.equal(c.port, 8788);
  assert.equal(c.secret, DEFAULT_SECRET);
  assert.deepEqual(c.peers, []);
  assert.equal(c.maxMessageBytes, 65536);
});

test("loadConfig binds 127.0.0.1 and warns with the default or an empty secret", () => {
  for (const env of [{}, { INTERCOM_SECRET: "" }]) {
    const c = loadConfig([], env, noFile);
    assert.equal(c.hostname, "127.0.0.1");
    assert.match(c.warnings.join(), /cannot reach this node until INTERCOM_SECRET is set/);
  }
});

test("loadConfig binds all interfaces with a real secret, INTERCOM_HOST overrides", () => {
  const secret = "0123456789abcdef0123";
  assert.equal(loadConfig([], { INTERCOM_SECRET: secret }, noFile).hostname, "0.0.0.0");
  const c = loadConfig([], { INTERCOM_SECRET: secret, INTERCOM_HOST: "::1" }, noFile);
  assert.equal(c.hostname, "::1");
  assert.deepEqual(c.warnings, []);
});

test("loadConfig warns about a secret under 16 characters", () => {
  const c = loadConfig([], { INTERCOM_SECRET: "short" }, noFile);
  assert.match(c.warnings.join(), /shorter than 16/);
});

test("loadConfig lets flags override the environment", () => {
  const c = loadConfig(
    ["--role", "tester", "--peers", "a=h1,b=h2:9", "--port", "9000", "--host", "127.0.0.2"],
    { MY_ROLE: "x", PEERS: "c=h3", INTERCOM_PORT: "1" },
    noFile,
  );
  assert.equal(c.role, "tester");
  assert.deepEqual(c.peers.map((p) => p.name), ["a", "b"]);
  assert.equal(c.peers[1].url, "http://h2:9");
  assert.equal(c.port, 9000);
  assert.equal(c.hostname, "127.0.0.2");
});

test("loadConfig reads --secret-file and trims it", () => {
  const c = loadConfig(["--secret-file", "/s"], {}, () => "  from-a-file-secret-123\n");
  assert.equal(c.secret, "from-a-file-secret-123");
});

test("parsePeers registers REMOTE_HOST as one peer named remote when PEERS is empty", () => {
  assert.deepEqual(parsePeers("", "10.0.0.5", "me"), [
    { name: "remote", url: "http://10.0.0.5:8788", anyRole: true },
  ]);
  assert.deepEqual(parsePeers("a=h", "10.0.0.5", "me").map((p) => p.name), ["a"]);
});

test("loadConfig fails with one line naming the entry and the fix", () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [[], { PEERS: "=h" }, /empty/],
    [[], { PEERS: "a=h,a=h2" }, /names "a" twice/],
    [[], { PEERS: "b@d=h" }, /may only contain/],
    [[], { MY_ROLE: "me", PEERS: "me=h" }, /our own role "me"/],
    [[], { INTERCOM_PORT: "70000" }, /INTERCOM_PORT "70000" is not a port/],
    [["--port", "x"], {}, /--port "x"/],
    [[], { PEERS: "a=ftp://h" }, /PEERS entry "a=ftp:\/\/h": unsupported scheme/],
    [[], { PEERS: "just a host" }, /has no "=" and is not a role name/],
    [[], { INTERCOM_SECRET: "${INTERCOM_SECRET}" }, /^INTERCOM_SECRET is the unexpanded text/],
    [[], { PEERS: "${user_config.peers}" }, /PEERS .*claude plugin configure/],
    [["--role", "${ROLE}"], {}, /--role is the unexpanded text "\$\{ROLE\}": export ROLE/],
    [[], { MY_ROLE: "bad role" }, /MY_ROLE "bad role"/],
    [["--nope"], {}, /see --help/],
    [[], { INTERCOM_MAX_MESSAGE_BYTES: "0" }, /positive integer/],
    [
      [],
      { INTERCOM_SECRET: "whsec_not-base64!" },
      /INTERCOM_SECRET: it starts with "whsec_" but the rest is not base64/,
    ],
  ];
  for (const [args, env, message] of cases) {
    assert.throws(() => loadConfig(args, env, noFile), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, message);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
});

test("loadConfig reads broker mode from INTERCOM_NATS_URL", () => {
  const c = loadConfig([], {
    MY_ROLE: "backend",
    INTERCOM_NATS_URL: "nats://10.0.0.5:4222, tls://nats.example.com:4222",
    INTERCOM_NATS_USER: "talkie",
    INTERCOM_NATS_PASSWORD: "pw",
    INTERCOM_NATS_DURABLE: "1",
  }, noFile);
  assert.deepEqual(c.nats?.servers, ["nats://10.0.0.5:4222", "tls://nats.example.com:4222"]);
  assert.equal(c.nats?.mesh, "talkie");
  assert.equal(c.nats?.durable, true);
  assert.equal(c.nats?.user, "talkie");
  assert.equal(loadConfig([], {}, noFile).nats, undefined);
});

test("loadConfig refuses bad broker settings with the variable and the fix", () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ INTERCOM_NATS_URL: "http://x:4222" }, /must|not a NATS server URL/],
    [{ INTERCOM_NATS_URL: "nats://x", INTERCOM_MESH: "a.b" }, /INTERCOM_MESH "a.b"/],
    [{ INTERCOM_NATS_DURABLE: "1" }, /needs INTERCOM_NATS_URL/],
    [{ INTERCOM_NATS_URL: "nats://x", INTERCOM_NATS_USER: "u" }, /both INTERCOM_NATS_USER/],
    [
      { INTERCOM_NATS_URL: "nats://x", INTERCOM_NATS_TOKEN: "t", INTERCOM_NATS_CREDS: "/c" },
      /only one of/,
    ],
    [{ INTERCOM_NATS_URL: "nats://x", INTERCOM_NATS_CREDS: "/nope" }, /Cannot read/],
    [{ INTERCOM_NATS_URL: "nats://x", MY_ROLE: "a.b" }, /NATS subjects use "\."/],
    [{ INTERCOM_NATS_URL: "nats://x", MY_ROLE: "events" }, /reserved/],
  ];
  for (const [env, message] of bad) {
    assert.throws(() => loadConfig([], env, noFile), (e) => {
      assert.ok(e instanceof ConfigError);
      assert.match((e as Error).message, message);
      return true;
    });
  }
});

test("loadConfig warns that PEERS is ignored in broker mode", () => {
  const c = loadConfig([], { INTERCOM_NATS_URL: "nats://x:4222", PEERS: "b=10.0.0.2" }, noFile);
  assert.match(c.warnings.join(), /PEERS is ignored in broker mode/);
});

test("loadConfig in durable broker mode reads PEERS as the roster, names only", () => {
  const env = { INTERCOM_NATS_URL: "nats://x:4222", INTERCOM_NATS_DURABLE: "1", MY_ROLE: "me" };
  const bare = loadConfig([], { ...env, PEERS: "backend,frontend,me" }, noFile);
  assert.deepEqual(bare.nats?.roster, ["backend", "frontend"]);
  assert.deepEqual(bare.peers, [], "no HTTP peers in broker mode");
  assert.doesNotMatch(bare.warnings.join(), /PEERS/);
  const hosts = loadConfig([], { ...env, PEERS: "backend=10.0.0.5:8788" }, noFile);
  assert.deepEqual(hosts.nats?.roster, ["backend"]);
  assert.equal(hosts.warnings.filter((w) => /PEERS/.test(w)).length, 1);
  assert.match(hosts.warnings.join(), /PEERS addresses are ignored in broker mode/);
  const flag = loadConfig(["--peers", "tester"], { ...env, PEERS: "backend" }, noFile);
  assert.deepEqual(flag.nats?.roster, ["tester"]);
  assert.throws(() => loadConfig([], { ...env, PEERS: "a.b" }, noFile), /cannot be used in broker/);
});

test("loadConfig refuses TLS and CA files that cannot be read or are not PEM", () => {
  const files: Record<string, string> = { "/c.pem": "-----BEGIN CERTIFICATE-----\n", "/x": "x" };
  const read = (p: string) => {
    if (!(p in files)) throw Object.assign(new Error("no"), { code: "ENOENT" });
    return files[p];
  };
  const base = { INTERCOM_TLS_CERT: "/c.pem", INTERCOM_TLS_KEY: "/c.pem" };
  assert.equal(loadConfig([], base, read).tlsCert, "/c.pem");
  assert.throws(
    () => loadConfig([], { ...base, INTERCOM_TLS_KEY: "/missing" }, read),
    /Cannot read INTERCOM_TLS_KEY "\/missing": ENOENT/,
  );
  assert.throws(
    () => loadConfig([], { INTERCOM_CA: "/x" }, read),
    /INTERCOM_CA "\/x" is not a PEM/,
  );
});

test("parsePeers explains a semicolon between entries", () => {
  assert.throws(
    () => parsePeers("a=10.0.0.6;b=10.0.0.7", "", "me"),
    (e) => e instanceof ConfigError && /separate entries with commas/.test(e.message),
  );
});

test("parsePeers marks REMOTE_HOST's peer as one of any role (v1)", () => {
  assert.deepEqual(parsePeers("", "10.0.0.6", "me"), [
    { name: "remote", url: "http://10.0.0.6:8788", anyRole: true },
  ]);
  assert.equal(parsePeers("remote=10.0.0.6", "", "me")[0].anyRole, undefined);
});

test("loadConfig refuses a role over 64 characters at start, as every peer would", () => {
  assert.throws(
    () => loadConfig([], { MY_ROLE: "r".repeat(65) }, () => ""),
    /MY_ROLE "r+" is 65 characters long, over the limit of 64/,
  );
});

test("loadConfig: INTERCOM_PORT=auto picks any port on loopback, bare PEERS names are local", () => {
  const c = loadConfig([], {
    MY_ROLE: "backend",
    PEERS: "frontend, tester=10.0.0.7",
    INTERCOM_PORT: "auto",
    INTERCOM_SECRET: "a-long-enough-secret-for-the-mesh",
    INTERCOM_LOCAL_DIR: "/tmp/ctw-test-registry",
  }, noFile);
  assert.equal(c.port, 0);
  assert.equal(c.portAuto, true);
  assert.equal(c.hostname, "127.0.0.1");
  assert.equal(c.localDir, "/tmp/ctw-test-registry");
  assert.deepEqual(c.peers, [
    { name: "frontend", url: "local", local: true },
    { name: "tester", url: "http://10.0.0.7:8788" },
  ]);
  assert.equal(c.resolveLocal?.("frontend"), undefined);
});

test("an unexpanded ${NAME} in a variable the node does not read is left alone", () => {
  const c = loadConfig([], { HOME_HINT: "${HOME}", MY_ROLE: "a" }, noFile);
  assert.equal(c.role, "a");
});

test("loadConfig reads the edge settings: allowed hosts, the failure limit, the secret header", () => {
  const c = loadConfig([], {
    INTERCOM_ALLOWED_HOSTS: " Talkie.Test , [fd00::6] ",
    INTERCOM_AUTH_FAILURE_LIMIT: "0",
    INTERCOM_ALLOW_SECRET_HEADER: "1",
  }, () => "");
  assert.deepEqual(c.allowedHosts, ["talkie.test", "[fd00::6]"]);
  assert.equal(c.authFailuresPerMinute, 0);
  assert.equal(c.allowSecretHeader, true);
  const d = loadConfig([], {}, () => "");
  assert.deepEqual([d.allowedHosts, d.authFailuresPerMinute, d.allowSecretHeader], [[], 30, false]);
});

test("parseAllowedHosts refuses a scheme or a port, naming the variable", () => {
  for (const bad of ["http://talkie.test", "talkie.test:8788", "a/b"]) {
    assert.throws(
      () => parseAllowedHosts(bad),
      (e: Error) => e instanceof ConfigError && /INTERCOM_ALLOWED_HOSTS/.test(e.message),
    );
  }
});

test("loadConfig reads INTERCOM_OPERATOR_KEY and names it when bad", () => {
  const none = loadConfig([], {}, () => "");
  assert.equal(none.operatorKey, undefined);
  assert.equal(none.promptTimeoutMs, 600_000);
  const raw = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" });
  const key = "ed25519:" + Buffer.from(raw.subarray(12)).toString("base64");
  const c = loadConfig([], { INTERCOM_OPERATOR_KEY: key, INTERCOM_PROMPT_TIMEOUT: "30" }, () => "");
  assert.equal(c.operatorKey?.text, key);
  assert.equal(c.promptTimeoutMs, 30_000);
  assert.throws(
    () => loadConfig([], { INTERCOM_OPERATOR_KEY: "ed25519:short" }, () => ""),
    (e) => e instanceof ConfigError && /^INTERCOM_OPERATOR_KEY must be ed25519:/.test(e.message),
  );
  assert.throws(
    () => loadConfig([], { MY_ROLE: "operator" }, () => ""),
    /MY_ROLE "operator" is reserved for the human operator/,
  );
});

test("loadConfig: INTERCOM_PORT=auto alone names the role after the project, discovers peers, uses the per-user secret", () => {
  const asked: string[] = [];
  const c = loadConfig([], { INTERCOM_PORT: "auto", INTERCOM_LOCAL_DIR: "/tmp/ctw-reg" }, noFile, {
    cwd: "/home/ann/src/my api",
    secret: (dir) => (asked.push(dir), "per-user-secret-of-at-least-16"),
    roles: () => ["my-api", "web"],
  });
  assert.equal(c.role, "my-api-2");
  assert.equal(c.secret, "per-user-secret-of-at-least-16");
  assert.deepEqual(asked, ["/tmp/ctw-reg"]);
  assert.deepEqual(c.peers, []);
  assert.equal(typeof c.discoverLocal, "function");
  assert.equal(c.project, "/home/ann/src/my api");
  assert.deepEqual(c.localDefaults, {
    role: { directory: "/home/ann/src/my api", wanted: "my-api" },
    discover: true,
    secret: true,
  });
  assert.deepEqual(c.warnings, []);
  assert.equal(c.hostname, "127.0.0.1");
});

test("loadConfig: what is set wins over zero configuration, and a fixed port has none", () => {
  const never = () => {
    throw new Error("must not be asked");
  };
  const set = loadConfig(
    [],
    {
      INTERCOM_PORT: "auto",
      MY_ROLE: "backend",
      PEERS: "web",
      INTERCOM_SECRET: "a-long-enough-secret-for-the-mesh",
    },
    noFile,
    { cwd: "/x/api", secret: never, roles: never },
  );
  assert.equal(set.role, "backend");
  assert.equal(set.localDefaults, undefined);
  assert.equal(set.discoverLocal, undefined);
  const fixed = loadConfig([], { INTERCOM_PORT: "8788" }, noFile, {
    cwd: "/x/api",
    secret: never,
    roles: never,
  });
  assert.equal(fixed.role, "developer-a");
  assert.equal(fixed.localDefaults, undefined);
});

test("loadConfig: a per-user secret that cannot be used is a configuration error", () => {
  assert.throws(
    () =>
      loadConfig([], { INTERCOM_PORT: "auto", MY_ROLE: "a" }, noFile, {
        secret: () => {
          throw new Error("/r/secret may be read by other users: run chmod 600 on it");
        },
      }),
    /Cannot use the per-user secret: \/r\/secret may be read by other users/,
  );
});

test("loadConfig reads pins given up front, the same way in PEERS and a broker roster", () => {
  const fp = "SHA256:" + "a".repeat(43);
  const http = loadConfig(
    [],
    { MY_ROLE: "me", PEERS: `alpha=10.0.0.5:8788#${fp},bravo=h` },
    noFile,
  );
  assert.deepEqual(http.peers.map((p) => p.url), ["http://10.0.0.5:8788", "http://h:8788"]);
  assert.deepEqual([...http.pins!], [["alpha", fp]]);
  const broker = loadConfig([], {
    MY_ROLE: "me",
    INTERCOM_NATS_URL: "nats://127.0.0.1:4222",
    INTERCOM_NATS_DURABLE: "1",
    PEERS: `alpha#${fp},bravo`,
  }, noFile);
  assert.deepEqual(broker.nats?.roster, ["alpha", "bravo"]);
  assert.deepEqual([...broker.pins!], [["alpha", fp]]);
  assert.throws(
    () => loadConfig([], { PEERS: "alpha=h#SHA256:x" }, noFile),
    /PEERS entry "alpha=h#SHA256:x": after "#" comes a node key fingerprint/,
  );
});
