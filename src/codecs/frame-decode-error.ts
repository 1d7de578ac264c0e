import type { DecodeIssue } from './errors.js';

/** Which step of decoding a frame failed. */
export type FrameDecodeStage =
  /** the frame has no 0x00 between topic and envelope */
  | 'separator'
  /** the topic or the envelope is not valid UTF-8 */
  | 'utf8'
  /** the envelope is not JSON, or is nested too deep */
  | 'json'
  /** the envelope is JSON but not an envelope */
  | 'envelope'
  /** the frame's topic and the envelope's `topic` differ */
  | 'topic-mismatch'
  /** the payload does not match its topic's codec */
  | 'payload';

/**
 * A frame that could not be decoded: which stage failed, for which topic, and where.
 *
 * ```ts
 * const failure = new FrameDecodeError('json', 'envelope is nested deeper than 512 levels', 'llm.token');
 * failure.message; // 'cannot decode "llm.token" frame: json: envelope is nested deeper than 512 levels'
 * ```
 */
export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
  constructor(
    /** Which step failed. */
    readonly stage: FrameDecodeStage,
    /** What was wrong, in one line. */
    readonly detail: string,
    /** The topic, when it could be read. */
    readonly topic?: string,
    /** The path of the first bad value (`payload.session_id`), for envelope and payload failures. */
    readonly path?: string,
    /**
     * The bad values found, for envelope and payload failures. Decoding a list stops at its
     * first bad item, so later items are not in here (an issue at the list says how many).
     */
    readonly issues: readonly DecodeIssue[] = [],
  ) {
    super(`cannot decode ${topic === undefined ? 'frame' : `"${topic}" frame`}: ${stage}: ${detail}`);
  }
}
