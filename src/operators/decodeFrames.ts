import type { OperatorFunction } from 'rxjs';
import { isRight } from 'fp-ts/Either';
import { decodeFrame, type FrameDecodeError } from '../codecs/frame.js';
import type { PandoEvent } from '../codecs/topics.js';
import { operate } from './internal/operate.js';

/**
 * Decodes PUB frames (`<topic> 0x00 <JSON envelope>`) into typed events; a bad frame is
 * reported to `onError` and skipped, never an error of the stream.
 *
 * ```
 * source:   --f--x--g--|        f, g: good frames; x: a bad frame (reported to onError)
 * decodeFrames(onError)
 * result:   --F-----G--|
 * ```
 *
 * Unknown topics are not bad frames: they come through as events with their raw payload.
 * Source errors and completion pass through; unsubscribing stops the source at once.
 *
 * `onError` is a user callback like `map`'s project: if it throws, the result errors with what
 * it threw (and unsubscribes from the frames), as every RxJS operator does. To keep the
 * stream alive whatever happens in it, catch inside the callback.
 *
 * @example
 * ```ts
 * let badFrames = 0;
 * const events$ = frames$.pipe(
 *   decodeFrames((error) => {
 *     badFrames++;
 *     console.warn(error.message, error.path);
 *   }),
 * );
 * ```
 */
export function decodeFrames(
  onError?: (error: FrameDecodeError, frame: Uint8Array) => void,
): OperatorFunction<Uint8Array, PandoEvent> {
  return operate<Uint8Array, PandoEvent>((subscriber) => ({
    next: (frame) => {
      const decoded = decodeFrame(frame);
      if (isRight(decoded)) subscriber.next(decoded.right);
      else onError?.(decoded.left, frame);
    },
  }));
}
