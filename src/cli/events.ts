/**
 * Events for people, one readable line each (`pando-rx tail`): the LLM's tokens flow as text on
 * one line per turn, tool calls end with ✓ or ✗ and their duration.
 */
import { isKnownEvent, type PandoEvent } from '../codecs/topics.js';
import { sessionIdOf } from '../operators/internal/turnTracker.js';
import { clockTime, humanDuration, sanitize, truncateStyled } from './format.js';
import type { Output } from './io.js';

/** How many characters of a session id the lines show. */
const SHORT_ID = 8;
const LABEL_WIDTH = 18;

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** One-line text of a JSON value, for unknown topics and tool params. */
const compactJson = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

/** Prints events as lines; tokens of a turn are appended to one open line. */
export class EventPrinter {
  /** The session whose token line is open (not yet ended by a newline). */
  private openTextSession: string | undefined;
  /** Open tool calls by session and call id: their start, for the duration. */
  private readonly toolStarts = new Map<string, Date>();

  constructor(private readonly out: Output) {}

  /** Ends an open token line. */
  flush(): void {
    if (this.openTextSession !== undefined) {
      this.out.write('\n');
      this.openTextSession = undefined;
    }
  }

  print(event: PandoEvent): void {
    const { styles } = this.out;
    const session = sessionIdOf(event);
    if (isKnownEvent(event) && event.topic === 'llm.token') {
      const sessionKey = session ?? '';
      if (this.openTextSession !== sessionKey) {
        this.flush();
        this.out.write(`${this.prefix(event.timestamp, session)} ${styles.cyan('▍')} `);
        this.openTextSession = sessionKey;
      }
      this.out.write(sanitize(event.payload.token, true));
      return;
    }
    this.flush();
    const { label, text } = this.describe(event);
    const head = `${this.prefix(event.timestamp, session)} ${label}`;
    const room = this.out.columns - (clockTime(event.timestamp).length + 1 + SHORT_ID + 1 + LABEL_WIDTH + 1);
    this.out.line(text === '' ? head.trimEnd() : `${head} ${truncateStyled(text, Math.max(room, 20))}`);
  }

  private prefix(timestamp: Date, session: string | undefined): string {
    const { styles } = this.out;
    return `${styles.dim(clockTime(timestamp))} ${styles.magenta((session ?? '').slice(0, SHORT_ID).padEnd(SHORT_ID))}`;
  }

  /** The label (the topic, padded and coloured) and the rest of an event's line. */
  private describe(event: PandoEvent): { label: string; text: string } {
    const { styles } = this.out;
    const label = (topic: string, paint: (s: string) => string = (s) => s): string => paint(topic.padEnd(LABEL_WIDTH));
    if (!isKnownEvent(event)) return { label: label(sanitize(event.topic), styles.dim), text: sanitize(compactJson(event.payload)) };
    switch (event.topic) {
      case 'session.update':
      case 'session.activated':
      case 'session.deleted': {
        const s = event.payload;
        return {
          label: label(event.topic, styles.bold),
          text: `${JSON.stringify(sanitize(s.title))} · ${plural(s.message_count, 'message')}`,
        };
      }
      case 'session.list':
        return { label: label(event.topic, styles.bold), text: plural(event.payload.sessions.length, 'session') };
      case 'message.append':
        return { label: label(event.topic), text: `${event.payload.role}: ${sanitize(event.payload.content)}` };
      case 'llm.start':
        return { label: label(event.topic, styles.dim), text: '' };
      case 'llm.token': // printed as flowing text by print(); here for completeness
        return { label: label(event.topic), text: sanitize(event.payload.token) };
      case 'llm.end':
        return {
          label: label(event.topic, styles.dim),
          text: styles.dim(`${event.payload.tokens_in} tokens in, ${event.payload.tokens_out} out`),
        };
      case 'tool.start': {
        const key = `${event.payload.session_id}\u0000${event.payload.call_id}`;
        this.toolStarts.set(key, event.timestamp);
        return { label: label(event.topic, styles.yellow), text: `${sanitize(event.payload.tool_name)} ${styles.dim(sanitize(event.payload.params))}` };
      }
      case 'tool.end': {
        const key = `${event.payload.session_id}\u0000${event.payload.call_id}`;
        const started = this.toolStarts.get(key);
        this.toolStarts.delete(key);
        const mark = event.payload.is_error ? styles.red('✗') : styles.green('✓');
        const duration = started === undefined ? '' : ` ${styles.dim(humanDuration(event.timestamp.getTime() - started.getTime()))}`;
        return {
          label: label(event.topic, styles.yellow),
          text: `${mark} ${sanitize(event.payload.tool_name)}${duration} ${styles.dim(`→ ${sanitize(event.payload.result)}`)}`,
        };
      }
      case 'instance.heartbeat': {
        const p = event.payload;
        return {
          label: label(event.topic, styles.dim),
          text: styles.dim(`${sanitize(p.instance_id)} · ${plural(p.session_count, 'session')} · up ${p.uptime.text === '' ? '?' : p.uptime.text}`),
        };
      }
      case 'instance.shutdown':
        return { label: label(event.topic, styles.red), text: sanitize(event.payload.reason ?? '') };
      default: {
        // db.<entity>.<change>: a write-change notice.
        const p = event.payload;
        return { label: label(event.topic, styles.dim), text: `${sanitize(p.path)} ${styles.dim(sanitize(compactJson(p.payload)))}` };
      }
    }
  }
}
