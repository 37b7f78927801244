/**
 * Names on the broker, all under the mesh name so several meshes can share one NATS account:
 *
 * | name | use |
 * |---|---|
 * | `<mesh>.<role>` | direct messages, request-reply through the receiver's rules |
 * | `<mesh>.<role>.health` | probes (what `GET /health` says) |
 * | `<mesh>.<role>.reports` | delivery reports, unstored (from nodes before stored reports) |
 * | `<mesh>.inbox.<role>.reports` | delivery reports for `<role>`'s stored messages, in the stream |
 * | `<mesh>.<role>.receipt` | read receipts (as `POST /receipt`) |
 * | `<mesh>.<role>.operator.verdict`, `.operator.message` | the human operator's signed requests (as `POST /operator/…`) |
 * | `<mesh>.events.<role>` | each node's hub events, for `viewer --nats`, kept in a stream |
 * | `<mesh>.events.<role>.hello` | each node's `hello` heartbeats (live only, not kept) |
 * | `<mesh>.inbox.<role>` | the durable stream's subjects (`INTERCOM_NATS_DURABLE`) |
 * | KV `<mesh>_presence` | who is online: one key per role, heartbeats, TTL |
 * | KV `<mesh>_roster` | every role ever seen, so durable messages can address offline ones |
 * | stream `<mesh>_inbox` | stored messages and their reports (`INTERCOM_NATS_DURABLE`) |
 * | stream `<mesh>_events` | the last events of every node, for the viewer's history |
 *
 * @module
 */

import { type MeshSealer, meshSealer } from "../core/seal.ts";

/** Subject, bucket and stream names of one mesh. */
export interface MeshNames {
  direct(role: string): string;
  health(role: string): string;
  reports(role: string): string;
  receipt(role: string): string;
  /** The operator's request `verdict` or `message` to `role`. */
  operator(role: string, action: "verdict" | "message"): string;
  /** Wildcard over both operator requests to `role`. */
  operatorAll(role: string): string;
  events(role: string): string;
  /** Wildcard over every node's events (the kept ones, without hellos). */
  allEvents: string;
  /** A node's `hello` heartbeats. */
  hello(role: string): string;
  /** Wildcard over every node's hellos. */
  allHellos: string;
  /** Stored delivery reports for `role` (the sender of the stored messages). */
  storedReports(role: string): string;
  /** Wildcard over every role's stored reports. */
  allStoredReports: string;
  /** The stream that keeps the last events for the viewer. */
  eventStream: string;
  inbox(role: string): string;
  /** Wildcard over every role's inbox: the durable stream's subjects. */
  allInboxes: string;
  presenceBucket: string;
  rosterBucket: string;
  stream: string;
}

/**
 * The names of mesh `mesh` (already checked against `MESH_NAME`).
 *
 * @example
 * ```ts
 * meshNames("talkie").direct("backend"); // "talkie.backend"
 * ```
 */
export function meshNames(mesh: string): MeshNames {
  return {
    direct: (role) => `${mesh}.${role}`,
    health: (role) => `${mesh}.${role}.health`,
    reports: (role) => `${mesh}.${role}.reports`,
    receipt: (role) => `${mesh}.${role}.receipt`,
    operator: (role, action) => `${mesh}.${role}.operator.${action}`,
    operatorAll: (role) => `${mesh}.${role}.operator.*`,
    events: (role) => `${mesh}.events.${role}`,
    allEvents: `${mesh}.events.*`,
    hello: (role) => `${mesh}.events.${role}.hello`,
    allHellos: `${mesh}.events.*.hello`,
    storedReports: (role) => `${mesh}.inbox.${role}.reports`,
    allStoredReports: `${mesh}.inbox.*.reports`,
    eventStream: `${mesh}_events`,
    inbox: (role) => `${mesh}.inbox.${role}`,
    allInboxes: `${mesh}.inbox.*`,
    presenceBucket: `${mesh}_presence`,
    rosterBucket: `${mesh}_roster`,
    stream: `${mesh}_inbox`,
  };
}

/**
 * The sealer of the events nodes publish for `viewer --nats` (and of their hellos): a key
 * derived from the mesh secret's key (`signatureKey`), so the viewer needs `INTERCOM_SECRET`.
 */
export function eventSealer(secretKey: Uint8Array): MeshSealer {
  return meshSealer(secretKey, "events");
}
