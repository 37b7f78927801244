/**
 * NATS decentralized auth for tests, without `nsc`: an operator, an account with JetStream and a
 * user, as signed JWTs (the `ed25519-nkey` JWT format of nats-io/jwt v2, made with the nkeys
 * that `@nats-io/nats-core` ships), the server's config lines (`operator`, `resolver: MEMORY`,
 * `resolver_preload`) and the user's `.creds` file text.
 *
 * @module
 */

import { nkeys } from "@nats-io/nats-core";

type KeyPair = ReturnType<typeof nkeys.createOperator>;

const b64url = (text: string) => Buffer.from(text).toString("base64url");

/** A JWT whose `sub` is `subject`, issued (and signed) by `issuer`. */
function jwt(
  issuer: KeyPair,
  subject: string,
  name: string,
  nats: Record<string, unknown>,
): string {
  const header = b64url(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }));
  const claims = {
    jti: crypto.randomUUID().replaceAll("-", "").toUpperCase(),
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    name,
    sub: subject,
    nats: { ...nats, version: 2 },
  };
  const payload = b64url(JSON.stringify(claims));
  const signature = issuer.sign(new TextEncoder().encode(`${header}.${payload}`));
  return `${header}.${payload}.${Buffer.from(signature).toString("base64url")}`;
}

const UNLIMITED = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
};

/** A server config for operator mode and one user's credentials in it. */
export interface CredsFixture {
  /** Config file text for `nats-server -c`. */
  serverConfig: string;
  /** A `.creds` file's text for a user of the account. */
  userCreds: string;
  /** A `.creds` file's text for a user signed by another account's key (refused). */
  strangerCreds: string;
}

function credsText(userJwt: string, seed: Uint8Array): string {
  return [
    "-----BEGIN NATS USER JWT-----",
    userJwt,
    "------END NATS USER JWT------",
    "",
    "-----BEGIN USER NKEY SEED-----",
    new TextDecoder().decode(seed),
    "------END USER NKEY SEED------",
    "",
  ].join("\n");
}

function user(account: KeyPair, name: string): string {
  const u = nkeys.createUser();
  const token = jwt(account, u.getPublicKey(), name, {
    pub: {},
    sub: {},
    subs: -1,
    data: -1,
    payload: -1,
    type: "user",
  });
  return credsText(token, u.getSeed());
}

/** Makes an operator, a system account, an account with JetStream and its users. */
export function makeCreds(): CredsFixture {
  const operator = nkeys.createOperator();
  const system = nkeys.createAccount();
  const account = nkeys.createAccount();
  const opJwt = jwt(operator, operator.getPublicKey(), "talkie-test", { type: "operator" });
  const accountJwt = (kp: KeyPair, name: string, limits: Record<string, unknown>) =>
    jwt(operator, kp.getPublicKey(), name, { limits, type: "account" });
  const serverConfig = [
    `operator: ${opJwt}`,
    `system_account: ${system.getPublicKey()}`,
    "resolver: MEMORY",
    "resolver_preload: {",
    `  ${system.getPublicKey()}: ${
      accountJwt(system, "SYS", {
        ...UNLIMITED,
        mem_storage: 0,
        disk_storage: 0,
        streams: 0,
        consumer: 0,
      })
    }`,
    `  ${account.getPublicKey()}: ${accountJwt(account, "TEAM", UNLIMITED)}`,
    "}",
    "",
  ].join("\n");
  return {
    serverConfig,
    userCreds: user(account, "talkie"),
    strangerCreds: user(nkeys.createAccount(), "stranger"),
  };
}
