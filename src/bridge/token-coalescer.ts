import { decodeFrame, encodeFrame } from '../codecs/frame.js';
import type { LlmTokenEvent } from '../codecs/topics.js';

const TOKEN_PREFIX = new TextEncoder().encode('llm.token\u0000');

const isTokenFrame = (frame: Uint8Array): boolean =>
  frame.length > TOKEN_PREFIX.length && TOKEN_PREFIX.every((byte, i) => frame[i] === byte);

/**
 * The `llm.token` events of a browser that reads too slowly, joined per session while it
 * cannot take them: no word is lost mid-stream, and what waits is one growing text per session,
 * at most `maxChars` characters in all (past that, `add` refuses and the caller drops). A
 * joined event carries the envelope of the LAST token it joins (its timestamp: when the text it
 * holds was complete), so time moves forward as it did at the instance: `streamText()`'s
 * `updatedAt` and a turn's duration stay right; only a turn whose first tokens were joined
 * starts (`startedAt`) at the join's last token.
 *
 * ```ts
 * const tokens = new TokenCoalescer(1 << 20);
 * if (!tokens.add(frame)) dropped++;
 * // once the browser has room again:
 * for (const joined of tokens.flush()) send(joined);
 * ```
 */
export class TokenCoalescer {
  private readonly pending = new Map<string, LlmTokenEvent>();
  private chars = 0;
  /** How many token events were joined into others since the start. */
  coalesced = 0;

  constructor(private readonly maxChars: number) {}

  /** Whether tokens wait. */
  get isEmpty(): boolean {
    return this.pending.size === 0;
  }

  /** Takes one frame if it is an `llm.token` event and there is room; returns whether it did. */
  add(frame: Uint8Array): boolean {
    if (!isTokenFrame(frame)) return false;
    const decoded = decodeFrame(frame);
    if (decoded._tag === 'Left' || decoded.right.topic !== 'llm.token') return false;
    const event = decoded.right as LlmTokenEvent;
    if (this.chars + event.payload.token.length > this.maxChars) return false;
    this.chars += event.payload.token.length;
    const key = event.payload.session_id;
    const before = this.pending.get(key);
    if (before === undefined) {
      this.pending.set(key, event);
      return true;
    }
    this.coalesced++;
    // The last token's envelope (its timestamp: when the joined text was complete), the text joined.
    this.pending.set(key, { ...event, payload: { ...event.payload, token: before.payload.token + event.payload.token } });
    return true;
  }

  /** The joined token events as frames, one per session, in the order the sessions came; then empty. */
  flush(): Uint8Array[] {
    const frames = [...this.pending.values()].map((event) => encodeFrame(event));
    this.pending.clear();
    this.chars = 0;
    return frames;
  }
}
