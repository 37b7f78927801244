/**
 * The messenger of broker mode: the same sending logic, with errors that speak of the broker
 * instead of PEERS (who is online, a refused NATS login, a role another session holds).
 *
 * @module
 */

import type { Peer } from "../cli/config.ts";
import { Messenger, type MessengerOptions, SendError, type SendResult } from "../node/messenger.ts";

/** What the messenger asks the broker side. */
export interface BrokerStatus {
  /** Mesh name, for messages. */
  mesh: string;
  /** Why this node cannot send now, if it cannot. */
  problem(): string | undefined;
  /** Roles online now (in durable mode the peers also include offline ones). */
  live(): readonly string[];
}

/**
 * A {@linkcode Messenger} whose `resolve` explains broker-mode failures.
 *
 * @example
 * ```ts
 * const messenger = new BrokerMessenger(options, { mesh: "talkie", problem: () => undefined });
 * ```
 */
export class BrokerMessenger extends Messenger {
  #broker: BrokerStatus;
  #role: string;

  constructor(options: MessengerOptions, broker: BrokerStatus) {
    super(options);
    this.#broker = broker;
    this.#role = options.role;
  }

  /**
   * Finds the peer a message goes to.
   *
   * @throws {SendError} when the node is not on the broker, or no online session has `to`.
   */
  override resolve(to: string | undefined): Peer {
    const problem = this.#broker.problem();
    if (problem) throw new SendError(`Cannot send: ${problem}`);
    const name = to?.trim() ?? "";
    const names = this.peers.map((p) => `"${p.name}"`).join(", ");
    const mesh = `mesh "${this.#broker.mesh}"`;
    if (name === "" && this.peers.length === 0) {
      throw new SendError(`No other session is online in ${mesh} yet`);
    }
    if (name !== "" && name !== this.#role && !this.peers.some((p) => p.name === name)) {
      throw new SendError(
        `No session "${name}" is online in ${mesh}; online now: ${names || "none"}`,
      );
    }
    return super.resolve(to);
  }

  /**
   * Sends one message to every member online now. In durable mode the known but offline
   * roles are left out: a broadcast is for who is here, a direct message may wait.
   *
   * @throws {SendError} as {@linkcode Messenger.broadcast}, or when nobody else is online.
   */
  override broadcast(message: string, exclude: string[] = []): Promise<SendResult[]> {
    const problem = this.#broker.problem();
    if (problem) throw new SendError(`Cannot send: ${problem}`);
    const live = new Set(this.#broker.live());
    const away = this.peers.map((p) => p.name).filter((n) => !live.has(n));
    if (this.peers.every((p) => !live.has(p.name) || exclude.includes(p.name))) {
      throw new SendError(
        `No other session is online in mesh "${this.#broker.mesh}" to broadcast to`,
      );
    }
    return super.broadcast(message, [...exclude, ...away]);
  }
}
