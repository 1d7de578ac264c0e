import { asyncScheduler } from 'rxjs';
import type { Msg } from 'nats';
import { RequestQueue } from '../observables/request-queue.js';
import type { RequestLink, Transport } from '../observables/transport.js';
import { READ_ONLY_METHODS, RelayErrorCode } from '../observables/transports/nats/subjects.js';

/** Options of an {@link RpcForwarder}. */
export interface RpcForwarderOptions {
  /** Pass on every method (else only `READ_ONLY_METHODS`; the rest are refused). */
  readonly allowControl: boolean;
  /** A request that has not left for the instance within this many ms is refused (never sent later). */
  readonly deliveryTimeoutMs: number;
  /** How long the relay waits for the instance's reply before it forgets the request, in ms. */
  readonly replyTimeoutMs: number;
}

interface Pending {
  readonly msg: Msg;
  readonly id: unknown;
  timer: ReturnType<typeof setTimeout>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const errorReply = (id: unknown, code: number, message: string): Uint8Array =>
  encoder.encode(JSON.stringify({ jsonrpc: '2.0', id: typeof id === 'string' ? id : '', error: { code, message } }));

/**
 * Serves one instance's JSON-RPC for NATS requests, through one request link to the instance
 * (a DEALER over ZeroMQ) and the shared `RequestQueue`: the same at-most-once rule as a direct
 * client. A request that cannot leave for the instance within `deliveryTimeoutMs` is withdrawn
 * and refused (`RelayErrorCode.NotDelivered`), never delivered late; a control method is refused
 * (`RelayErrorCode.ControlRefused`) unless it came on the control subject and `allowControl`.
 *
 * Requests of different clients may carry the same id: each gets a relay-wide id on the way
 * in, and its own id back in the reply.
 *
 * ```ts
 * const forwarder = new RpcForwarder(zeromqTransport, 'tcp://127.0.0.1:5552', { allowControl: false, deliveryTimeoutMs: 1000, replyTimeoutMs: 60_000 });
 * nc.subscribe('pando.abc.rpc', { callback: (err, msg) => (err === null ? forwarder.handle(msg) : undefined) });
 * nc.subscribe('pando.abc.ctl', { callback: (err, msg) => (err === null ? forwarder.handle(msg, true) : undefined) });
 * ```
 */
export class RpcForwarder {
  private link: RequestLink | undefined;
  private queue: RequestQueue | undefined;
  private readonly pending = new Map<string, Pending>();
  private sequence = 0;
  private closed = false;

  constructor(
    private readonly transport: Transport,
    private readonly rpcEndpoint: string,
    private readonly options: RpcForwarderOptions,
  ) {}

  /**
   * Answers one NATS request (a JSON-RPC request as its body); `control`: it came on the
   * control subject (else on the read subject, where only `READ_ONLY_METHODS` pass).
   */
  handle(msg: Msg, control = false): void {
    if (this.closed) return;
    let request: { id?: unknown; method?: unknown };
    try {
      request = JSON.parse(decoder.decode(msg.data)) as typeof request;
      if (typeof request !== 'object' || request === null || typeof request.method !== 'string') throw new Error('no method');
    } catch {
      msg.respond(errorReply('', -32700, 'relay: the request is not a JSON-RPC request'));
      return;
    }
    if (!READ_ONLY_METHODS.has(request.method) && !(control && this.options.allowControl)) {
      msg.respond(errorReply(request.id, RelayErrorCode.ControlRefused, `${request.method}: refused, this relay is read-only`));
      return;
    }
    const relayId = `relay-${++this.sequence}`;
    const queue = this.open();
    const outgoing = queue.enqueue(JSON.stringify({ ...request, id: relayId }));
    const entry: Pending = {
      msg,
      id: request.id,
      timer: setTimeout(() => {
        if (outgoing.cancel()) {
          this.pending.delete(relayId);
          msg.respond(errorReply(request.id, RelayErrorCode.NotDelivered, `${request.method as string}: the instance could not take the request (not delivered)`));
          return;
        }
        entry.timer = setTimeout(() => this.pending.delete(relayId), this.options.replyTimeoutMs);
      }, this.options.deliveryTimeoutMs),
    };
    this.pending.set(relayId, entry);
  }

  /** Refuses nothing more; forgets every waiting request (their clients time out) and closes the link. */
  close(): void {
    this.closed = true;
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.pending.clear();
    this.drop();
  }

  /** Closes the queue and the link; the next request opens new ones. */
  private drop(): void {
    this.queue?.close();
    this.link?.close();
    this.queue = undefined;
    this.link = undefined;
  }

  private open(): RequestQueue {
    if (this.queue !== undefined) return this.queue;
    // The link failed for good: drop it; the next request opens a new one.
    const fail = (): void => this.drop();
    const link = this.transport.openRequests(this.rpcEndpoint, {
      next: (signal) => {
        if (signal.kind === 'reply') this.reply(signal.frame);
        else if (signal.kind === 'connected' || signal.kind === 'ready') this.queue?.flush();
      },
      error: fail,
    });
    this.link = link;
    this.queue = new RequestQueue(link, { scheduler: asyncScheduler, onError: fail });
    return this.queue;
  }

  private reply(frame: Uint8Array): void {
    let reply: { id?: unknown };
    try {
      reply = JSON.parse(decoder.decode(frame)) as typeof reply;
    } catch {
      return;
    }
    if (typeof reply?.id !== 'string') return;
    const entry = this.pending.get(reply.id);
    if (entry === undefined) return;
    this.pending.delete(reply.id);
    clearTimeout(entry.timer);
    entry.msg.respond(encoder.encode(JSON.stringify({ ...reply, id: entry.id })));
  }
}
