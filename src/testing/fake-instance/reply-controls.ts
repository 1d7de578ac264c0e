import type { RecordedRequest, RpcReplyJson } from './request-log.js';

/**
 * What a test does to the fake instance's replies: delay them, drop them (executed, never
 * answered), or hold them and release them later in a chosen order. Decides only; the RPC
 * server sends.
 */

/** How `releaseReplies` orders the held replies: by arrival, reversed, or these ids first. */
export type ReleaseOrder = 'received' | 'reverse' | readonly string[];

/** What happens to one request's reply. */
export type ReplyVerdict =
  | { readonly kind: 'send'; readonly delayMs: number }
  | { readonly kind: 'drop' }
  | { readonly kind: 'hold' };

/** A reply kept until release; `to` is where it goes (opaque here: the routing id). */
export interface HeldReply<To> {
  readonly request: RecordedRequest;
  readonly to: To;
  readonly reply: Promise<RpcReplyJson>;
}

/** A held reply whose JSON is ready. */
export type ReleasedReply<To> = Omit<HeldReply<To>, 'reply'> & { readonly json: RpcReplyJson };

type RequestPredicate = (request: RecordedRequest) => boolean;

/** A test's control function that throws counts as `fallback`, never as a crash of the receive loop. */
const safely = <T>(fn: () => T, fallback: T): T => {
  try {
    return fn();
  } catch {
    return fallback;
  }
};

/** Orders released replies (a stable sort: ids not named keep their arrival order, last). */
const ordered = <T extends { readonly request: RecordedRequest }>(entries: readonly T[], order: ReleaseOrder): T[] => {
  if (order === 'received') return [...entries];
  if (order === 'reverse') return [...entries].reverse();
  const rank = (id: string): number => {
    const i = order.indexOf(id);
    return i < 0 ? order.length : i;
  };
  return [...entries].sort((a, b) => rank(a.request.id) - rank(b.request.id));
};

/**
 * The reply controls of one instance.
 *
 * ```ts
 * const controls = new ReplyControls<Buffer>();
 * controls.hold((r) => r.method === 'session.list');
 * controls.verdictFor(request); // { kind: 'hold' } for a session.list
 * ```
 */
export class ReplyControls<To> {
  private delay: number | ((request: RecordedRequest) => number) = 0;
  private dropping: RequestPredicate | null = null;
  private holding: RequestPredicate | null = null;
  private held: Array<HeldReply<To>> = [];

  /** Delays every reply (or each by the function's answer) after it is computed. 0 ends it. */
  setDelay(delay: number | ((request: RecordedRequest) => number)): void {
    this.delay = delay;
  }

  /** Drops the replies of matching requests; `null` ends it. */
  drop(predicate: RequestPredicate | null): void {
    this.dropping = predicate;
  }

  /** Holds the replies of matching requests until `release`. */
  hold(predicate: RequestPredicate): void {
    this.holding = predicate;
  }

  /** What to do with a request's reply, decided when the request arrives. */
  verdictFor(request: RecordedRequest): ReplyVerdict {
    const { dropping, holding, delay } = this;
    if (dropping !== null && safely(() => dropping(request), false)) return { kind: 'drop' };
    if (holding !== null && safely(() => holding(request), false)) return { kind: 'hold' };
    const delayMs = typeof delay === 'number' ? delay : safely(() => delay(request), 0);
    return { kind: 'send', delayMs: Math.max(0, delayMs) };
  }

  /** Keeps a reply whose verdict was `hold`. */
  keep(reply: HeldReply<To>): void {
    this.held.push(reply);
  }

  /** The requests whose replies are held, in order of arrival. */
  heldRequests(): RecordedRequest[] {
    return this.held.map((h) => h.request);
  }

  /** Stops holding, and hands back every held reply once ready, in the given order. */
  async release(order: ReleaseOrder): Promise<Array<ReleasedReply<To>>> {
    this.holding = null;
    const held = this.held;
    this.held = [];
    const replies = await Promise.all(held.map((h) => h.reply));
    return ordered(
      held.map(({ request, to }, i) => ({ request, to, json: replies[i]! })),
      order,
    );
  }

  /** Forgets every held reply and ends holding (the instance is stopping). */
  clear(): void {
    this.held = [];
    this.holding = null;
  }
}
