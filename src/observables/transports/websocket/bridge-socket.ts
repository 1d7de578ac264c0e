import type { SchedulerLike, Subscription } from 'rxjs';
import { decodeBridgeServerMessage, encodeBridgeMessage, type BridgeClientMessage, type BridgeServerMessage } from '../../../codecs/bridge.js';

/**
 * The part of a WebSocket that the bridge transport uses: the browser's `WebSocket` and the
 * `ws` package's both fit. Handlers take `any` so that either's event types are accepted.
 */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /* eslint-disable @typescript-eslint/no-explicit-any */
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  /* eslint-enable @typescript-eslint/no-explicit-any */
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: the global `WebSocket` in a browser, `ws`'s in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** What is wrong when neither an option nor the global scope gives a WebSocket. */
export const NO_WEBSOCKET = 'no WebSocket here: pass the WebSocket option (in Node, the ws package)';

/** The WebSocket constructor to use: the one given, else the global one, else `undefined`. */
export const webSocketConstructor = (given?: WebSocketConstructor): WebSocketConstructor | undefined =>
  given ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;

/**
 * `url` with `params` added to its query (`?` or `&`, each value URI-encoded).
 *
 * ```ts
 * withQuery('ws://127.0.0.1:8787/?instance=a1', { side: 'events', token: 't k' }); // …?instance=a1&side=events&token=t%20k
 * ```
 */
export const withQuery = (url: string, params: Readonly<Record<string, string>>): string => {
  const query = Object.entries(params)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
};

/** How a lost bridge connection is tried again: exponential backoff. */
export interface ReconnectOptions {
  /** The first delay, in milliseconds (default 250). */
  readonly initialDelayMs?: number;
  /** The longest delay, in milliseconds (default 10,000). */
  readonly maxDelayMs?: number;
}

/** What a `BridgeSocket` reports to. */
export interface BridgeSocketHandlers {
  /** The connection is open (first time or again): send what the bridge must know. */
  readonly onOpen: () => void;
  /** One decoded message from the bridge. */
  readonly onMessage: (message: BridgeServerMessage) => void;
  /** The bridge cannot be reached (a failed attempt or a lost connection); reported once per outage. */
  readonly onUnreachable: () => void;
  /** A fatal error (the URL is refused by the constructor, or the bridge speaks another version). */
  readonly onError: (err: unknown) => void;
}

const OPEN = 1;

/**
 * One WebSocket to the bridge that reconnects by itself, with exponential backoff on a
 * scheduler (virtual time in marble tests): attempt n waits `min(max, initial × 2^(n-1))`.
 * A message that does not decode is dropped (the bridge is trusted to speak the format; a bad
 * one is never fatal).
 *
 * ```ts
 * const socket = new BridgeSocket('ws://127.0.0.1:8787/?token=t', WebSocket, asyncScheduler, {}, handlers);
 * socket.send({ type: 'subscribe', prefix: '' });
 * ```
 */
export class BridgeSocket {
  private socket: WebSocketLike | undefined;
  private retry: Subscription | undefined;
  private attempts = 0;
  private closed = false;
  private unreachable = false;

  constructor(
    private readonly url: string,
    private readonly WebSocketImpl: WebSocketConstructor,
    private readonly scheduler: SchedulerLike,
    private readonly reconnect: ReconnectOptions,
    private readonly handlers: BridgeSocketHandlers,
  ) {
    this.open();
  }

  /** Whether a message sent now goes out. */
  get isOpen(): boolean {
    return this.socket?.readyState === OPEN;
  }

  /** Send one message if the connection is open; returns whether it went out. */
  send(message: BridgeClientMessage): boolean {
    if (this.closed || this.socket === undefined || this.socket.readyState !== OPEN) return false;
    this.socket.send(encodeBridgeMessage(message));
    return true;
  }

  /** Close for good: no handler is called after. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.retry?.unsubscribe();
    this.retry = undefined;
    this.drop();
  }

  private open(): void {
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketImpl(this.url);
    } catch (err) {
      this.closed = true;
      this.handlers.onError(err);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket || this.closed) return;
      this.attempts = 0;
      this.unreachable = false;
      this.handlers.onOpen();
    };
    socket.onmessage = (event: { data?: unknown }) => {
      if (this.socket !== socket || this.closed || typeof event.data !== 'string') return;
      const decoded = decodeBridgeServerMessage(event.data);
      if (decoded._tag === 'Left') return;
      const message = decoded.right;
      if (message.type === 'hello' && message.version !== 1) {
        this.close();
        this.handlers.onError(new Error(`the bridge speaks version ${message.version} of its protocol; this client speaks 1`));
        return;
      }
      this.handlers.onMessage(message);
    };
    socket.onerror = () => undefined; // a close follows
    socket.onclose = () => {
      if (this.socket !== socket || this.closed) return;
      this.socket = undefined;
      this.lost();
    };
  }

  /** The connection failed or dropped: say so once, and try again after the backoff delay. */
  private lost(): void {
    if (!this.unreachable) {
      this.unreachable = true;
      this.handlers.onUnreachable();
    }
    if (this.closed) return;
    const initial = this.reconnect.initialDelayMs ?? 250;
    const max = this.reconnect.maxDelayMs ?? 10_000;
    const delay = Math.min(max, initial * 2 ** this.attempts);
    this.attempts++;
    this.retry = this.scheduler.schedule(() => {
      this.retry = undefined;
      if (!this.closed) this.open();
    }, delay);
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.onerror = () => undefined; // closing a connecting socket may report an error
    try {
      socket.close();
    } catch {
      // already closed
    }
  }
}
