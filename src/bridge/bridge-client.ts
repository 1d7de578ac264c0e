import { BehaviorSubject, type Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import {
  BRIDGE_PROTOCOL_VERSION,
  BRIDGE_REFUSED_CODE,
  decodeBridgeClientMessage,
  encodeBridgeMessage,
  type BridgeErrorCode,
  type BridgeServerMessage,
} from '../codecs/bridge.js';
import { parseJson, JsonFailure } from '../codecs/internal/json.js';
import { JsonRpcRequest, isMethod } from '../codecs/rpc.js';
import { eventSignals } from '../observables/event-signals.js';
import type { RequestLink, Transport } from '../observables/transport.js';
import { TokenCoalescer } from './token-coalescer.js';

/** The methods that change the instance: forwarded only by a bridge started with `allowControl`. */
export const CONTROL_METHODS: ReadonlySet<string> = new Set(['message.send', 'session.interrupt', 'session.activate']);

/** How many prefixes one connection may hold at once. */
const MAX_PREFIXES_PER_CONNECTION = 256;

/** Which link of a browser a connection serves (the `side` query parameter). */
export type BridgeSide = 'events' | 'requests';

/** What one `BridgeClient` needs from its bridge. */
export interface BridgeClientContext {
  readonly transport: Transport;
  readonly pubEndpoint: string;
  readonly rpcEndpoint: string;
  readonly allowControl: boolean;
  /** Past this many bytes waiting in the WebSocket's buffer, frames are dropped and counted. */
  readonly maxBufferedBytes: number;
  /** A message from the browser that was refused (bad, or control on a read-only bridge). */
  readonly onRefused: (code: BridgeErrorCode, detail: string) => void;
  /** Frames dropped for this client because it read too slowly. */
  readonly onDropped: (count: number) => void;
  /** Token events joined into an earlier one for this client because it read too slowly. */
  readonly onCoalesced: (count: number) => void;
}

/** How often a lagging client's buffer is checked for room again, in milliseconds. */
const DRAIN_CHECK_MS = 50;

/**
 * One browser connection of the bridge: its `events` side follows the browser's prefixes with
 * its own subscription (`eventSignals` over the ZeroMQ transport, so the instance filters),
 * its `requests` side forwards JSON-RPC requests to its own request link, one at a time, and
 * answers each with `sent`. Nothing a browser sends can throw here: a bad message is answered
 * with an `error` message and counted.
 *
 * ```ts
 * const client = new BridgeClient(ws, 'events', context);
 * ws.on('close', () => client.close());
 * ```
 */
export class BridgeClient {
  private readonly prefixes$ = new BehaviorSubject<readonly string[]>([]);
  private events: Subscription | undefined;
  private link: RequestLink | undefined;
  private chain: Promise<void> = Promise.resolve();
  private dropped = 0;
  private drainTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private readonly tokens: TokenCoalescer;

  constructor(
    private readonly ws: WebSocket,
    private readonly side: BridgeSide,
    private readonly context: BridgeClientContext,
  ) {
    this.tokens = new TokenCoalescer(context.maxBufferedBytes);
    this.post({ type: 'hello', version: BRIDGE_PROTOCOL_VERSION, control: context.allowControl });
    if (side === 'events') this.openEvents();
    else this.openRequests();
  }

  /** One message from the browser (its text). */
  receive(text: string): void {
    if (this.closed) return;
    const decoded = decodeBridgeClientMessage(text);
    if (decoded._tag === 'Left') return this.refuse('bad-message', decoded.left.message);
    const message = decoded.right;
    if (message.type === 'request') {
      if (this.side !== 'requests') return this.refuse('bad-message', 'requests go over a side=requests connection');
      return this.forward(message.seq, message.request);
    }
    if (this.side !== 'events') return this.refuse('bad-message', `${message.type} goes over a side=events connection`);
    const current = this.prefixes$.value;
    if (message.type === 'subscribe') {
      if (current.includes(message.prefix)) return;
      if (current.length >= MAX_PREFIXES_PER_CONNECTION) {
        return this.refuse('bad-message', `at most ${MAX_PREFIXES_PER_CONNECTION} prefixes per connection`);
      }
      this.prefixes$.next([...current, message.prefix]);
    } else if (current.includes(message.prefix)) {
      this.prefixes$.next(current.filter((prefix) => prefix !== message.prefix));
    }
  }

  /** Close this connection's links and timers. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.events?.unsubscribe();
    this.link?.close();
    if (this.drainTimer !== undefined) clearInterval(this.drainTimer);
    this.drainTimer = undefined;
  }

  private openEvents(): void {
    this.events = eventSignals(this.context.transport, this.context.pubEndpoint, this.prefixes$).subscribe({
      next: (signal) => {
        if (signal.kind === 'frame') this.sendFrame(signal.frame);
        else if (signal.kind !== 'unreachable') this.post({ type: 'connection', state: signal.kind });
      },
      error: (err: unknown) => this.fail(err),
    });
  }

  private openRequests(): void {
    this.link = this.context.transport.openRequests(this.context.rpcEndpoint, {
      next: (signal) => {
        if (signal.kind === 'reply') this.post({ type: 'reply', data: new TextDecoder().decode(signal.frame) });
        else if (signal.kind === 'ready') this.post({ type: 'ready' });
        else if (signal.kind !== 'unreachable') this.post({ type: 'connection', state: signal.kind });
      },
      error: (err: unknown) => this.fail(err),
    });
  }

  /** Checks one request and hands it to the request link after the ones before it. */
  private forward(seq: number, text: string): void {
    const parsed = parseJson(text);
    const request = parsed instanceof JsonFailure ? undefined : JsonRpcRequest.decode(parsed);
    if (request === undefined || request._tag === 'Left') {
      this.refuse('bad-request', `request ${seq} is not a JSON-RPC 2.0 request`);
      this.post({ type: 'sent', seq, sent: true }); // it will never run: do not retry it
      return;
    }
    const { method, id } = request.right;
    const refusal = !isMethod(method)
      ? `${method} is not a method the bridge forwards`
      : CONTROL_METHODS.has(method) && !this.context.allowControl
        ? `${method} is refused: the bridge is read-only (start it with allowControl / --allow-control)`
        : undefined;
    if (refusal !== undefined) {
      this.refuse(CONTROL_METHODS.has(method) ? 'control-refused' : 'bad-request', refusal);
      this.post({ type: 'sent', seq, sent: true });
      if (id !== undefined) {
        const reply = { jsonrpc: '2.0', id, error: { code: BRIDGE_REFUSED_CODE, message: `bridge: ${refusal}` } };
        this.post({ type: 'reply', data: JSON.stringify(reply) });
      }
      return;
    }
    const link = this.link!;
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      let sent: boolean;
      try {
        sent = await link.send(text);
      } catch (err) {
        this.fail(err);
        return;
      }
      this.post({ type: 'sent', seq, sent });
    });
  }

  /** Sends one frame, or drops it while the browser's buffer is over its bound. */
  private sendFrame(frame: Uint8Array): void {
    if (this.ws.bufferedAmount > this.context.maxBufferedBytes) {
      const before = this.tokens.coalesced;
      if (this.tokens.add(frame)) {
        this.context.onCoalesced(this.tokens.coalesced - before);
      } else {
        this.dropped++;
        this.context.onDropped(1);
      }
      this.watchDrain();
      return;
    }
    this.sayBehind();
    this.postFrame(frame);
  }

  private postFrame(frame: Uint8Array): void {
    this.post({ type: 'frame', data: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64') });
  }

  /** While frames are dropped, check for room every `DRAIN_CHECK_MS`, to say `behind` once there is. */
  private watchDrain(): void {
    if (this.drainTimer !== undefined) return;
    this.drainTimer = setInterval(() => {
      if (this.ws.bufferedAmount > this.context.maxBufferedBytes) return;
      this.sayBehind();
    }, DRAIN_CHECK_MS);
    this.drainTimer.unref();
  }

  /** There is room again: the joined tokens first, then `behind` if anything was dropped. */
  private sayBehind(): void {
    if (this.drainTimer !== undefined) clearInterval(this.drainTimer);
    this.drainTimer = undefined;
    if (!this.tokens.isEmpty) for (const joined of this.tokens.flush()) this.postFrame(joined);
    if (this.dropped === 0) return;
    const dropped = this.dropped;
    this.dropped = 0;
    this.post({ type: 'behind', dropped });
  }

  private refuse(code: BridgeErrorCode, message: string): void {
    this.context.onRefused(code, message);
    this.post({ type: 'error', code, message });
  }

  /** A link failed for good: close the connection (the browser reconnects with a new one). */
  private fail(err: unknown): void {
    this.close();
    this.post({ type: 'error', code: 'bad-request', message: `bridge link failed: ${err instanceof Error ? err.message : String(err)}` });
    this.ws.close(1011, 'bridge link failed');
  }

  private post(message: BridgeServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeBridgeMessage(message));
  }
}
