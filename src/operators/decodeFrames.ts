import { Observable, config } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { isRight } from 'fp-ts/Either';
import { decodeFrame, type FrameDecodeError } from '../codecs/frame.js';
import type { PandoEvent } from '../codecs/topics.js';

/** Where an error thrown by a user callback goes: RxJS's `config.onUnhandledError`, else `console.error`. */
const reportCallbackError = (err: unknown): void => {
  try {
    if (config.onUnhandledError !== null) config.onUnhandledError(err);
    else console.error('pando-rx: decodeFrames onError callback threw; the stream goes on.', err);
  } catch {
    // The reporter itself failed: nothing more to do without taking the stream down.
  }
};

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
 * A throwing `onError` does not kill the stream either, unlike RxJS's convention for user
 * callbacks: the thrown value is handed to RxJS's `config.onUnhandledError` when set, otherwise
 * logged with `console.error`, and decoding continues with the next frame. Source errors and
 * completion pass through.
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
  return (source) =>
    new Observable<PandoEvent>((subscriber) =>
      source.subscribe({
        next: (frame) => {
          const decoded = decodeFrame(frame);
          if (isRight(decoded)) {
            subscriber.next(decoded.right);
          } else if (onError !== undefined) {
            try {
              onError(decoded.left, frame);
            } catch (err) {
              reportCallbackError(err);
            }
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
