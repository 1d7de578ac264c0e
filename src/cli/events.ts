/**
 * Events for people, one readable line each (`pando-rx tail`): the LLM's tokens flow as text,
 * tool calls end with ✓ or ✗ and their duration.
 *
 * Tokens are printed per session: the session that holds the open line streams its text live;
 * another session streaming at the same time is buffered, and its text is printed a whole line
 * at a time (at a newline of its text, when the line is full, or when the session does
 * something else), so that two turns at once read as lines, not one word per line.
 */
import { isKnownEvent, type PandoEvent } from '../index.js';
import { clockTime, humanDuration } from './format.js';
import { boundedJson } from './json.js';
import type { Output } from './output.js';
import { sessionIdOf } from '../index.js';
import { truncate, type Text } from './text.js';

/** How many characters of a session id the lines show. */
const SHORT_ID = 8;
const LABEL_WIDTH = 18;
/** How deep one-line payloads go before they are cut (the cut says so). */
const LINE_JSON_DEPTH = 32;
/** The width of a buffered session's lines when stdout has no width. */
const DEFAULT_TEXT_WIDTH = 100;

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** One-line text of any JSON value (unknown topics, `db.*` payloads, tool params). */
const compactJson = (value: unknown): string => boundedJson(value, LINE_JSON_DEPTH).json;

/** Prints events as lines; tokens of a turn are streamed, per session. */
export class EventPrinter {
  /** The session whose token line is open on the screen (not yet ended by a newline). */
  private owner: string | undefined;
  /** Text of sessions streaming while another holds the line, and when it began. */
  private readonly buffers = new Map<string, { text: string; since: Date }>();
  /** Open tool calls by session and call id: their start, for the duration. */
  private readonly toolStarts = new Map<string, Date>();

  constructor(private readonly out: Output) {}

  /** Ends the open token line, if any. */
  endLine(): void {
    if (this.owner !== undefined) {
      this.out.write('\n');
      this.owner = undefined;
    }
  }

  /** Ends the open line and prints every buffered text (at the end of `tail`). */
  flush(): void {
    this.endLine();
    for (const session of [...this.buffers.keys()]) this.flushBuffer(session);
  }

  print(event: PandoEvent): void {
    const session = sessionIdOf(event) ?? '';
    if (isKnownEvent(event) && event.topic === 'llm.token') return this.token(session, event.payload.token, event.timestamp);
    // What the session said comes before what it does next.
    this.endLine();
    this.flushBuffer(session);
    const { label, text } = this.describe(event);
    const head: Text = [this.prefix(event.timestamp, session), ' ', label];
    const room = this.out.columns - (clockTime(event.timestamp).length + 1 + SHORT_ID + 1 + LABEL_WIDTH + 1);
    this.out.line(text === '' ? head : [head, ' ', truncate(text, Math.max(room, 20))]);
  }

  private token(session: string, token: string, at: Date): void {
    if (this.owner === undefined) {
      // Take the line, with what was buffered first.
      const pending = this.buffers.get(session);
      this.buffers.delete(session);
      this.openLine(session, pending?.since ?? at);
      this.stream(session, (pending?.text ?? '') + token, at);
    } else if (this.owner === session) {
      this.stream(session, token, at);
    } else {
      const buffered = this.buffers.get(session) ?? { text: '', since: at };
      buffered.text += token;
      this.buffers.set(session, buffered);
      this.printWholeLines(session);
    }
  }

  /** Writes the owner's text; a newline in it ends the line, and the rest opens a new one. */
  private stream(session: string, text: string, at: Date): void {
    const [first, ...rest] = text.split('\n');
    this.out.write(first!);
    for (const part of rest) {
      this.endLine();
      if (part !== '') {
        this.openLine(session, at);
        this.out.write(part);
      }
    }
  }

  private openLine(session: string, at: Date): void {
    this.out.write([this.prefix(at, session), ' ', this.out.styles.cyan('▍'), ' ']);
    this.owner = session;
  }

  /** Prints the complete lines of a buffered session: up to each newline, or a full line's width. */
  private printWholeLines(session: string): void {
    const buffered = this.buffers.get(session);
    if (buffered === undefined) return;
    const width = Number.isFinite(this.out.columns) ? Math.max(this.out.columns - (8 + 1 + SHORT_ID + 3), 20) : DEFAULT_TEXT_WIDTH;
    for (;;) {
      const newline = buffered.text.indexOf('\n');
      let end: number;
      let skip: number;
      if (newline >= 0 && newline <= width) {
        end = newline;
        skip = 1;
      } else if (buffered.text.length >= width) {
        const space = buffered.text.lastIndexOf(' ', width);
        end = space > 0 ? space : width;
        skip = space > 0 ? 1 : 0;
      } else {
        break;
      }
      this.printTextLine(session, buffered.since, buffered.text.slice(0, end));
      buffered.text = buffered.text.slice(end + skip);
    }
    if (buffered.text === '') this.buffers.delete(session);
  }

  private flushBuffer(session: string): void {
    const buffered = this.buffers.get(session);
    if (buffered === undefined) return;
    this.buffers.delete(session);
    for (const line of buffered.text.split('\n')) if (line !== '') this.printTextLine(session, buffered.since, line);
  }

  /** One whole line of a session's text; the open line of another session ends first. */
  private printTextLine(session: string, since: Date, text: string): void {
    if (text.trim() === '') return;
    this.endLine();
    this.out.line([this.prefix(since, session), ' ', this.out.styles.cyan('▍'), ' ', text]);
  }

  private prefix(timestamp: Date, session: string | undefined): Text {
    const { styles } = this.out;
    // Cut before it is neutralised: an id holding controls may show wider than 8 columns.
    return [styles.dim(clockTime(timestamp)), ' ', styles.magenta((session ?? '').slice(0, SHORT_ID).padEnd(SHORT_ID))];
  }

  /** The label (the topic, padded and coloured) and the rest of an event's line. */
  private describe(event: PandoEvent): { label: Text; text: Text } {
    const { styles } = this.out;
    const label = (topic: string, paint: (s: Text) => Text = (s) => s): Text => paint(topic.padEnd(LABEL_WIDTH));
    if (!isKnownEvent(event)) return { label: label(event.topic, styles.dim), text: compactJson(event.payload) };
    switch (event.topic) {
      case 'session.update':
      case 'session.activated':
      case 'session.deleted': {
        const s = event.payload;
        return { label: label(event.topic, styles.bold), text: `${JSON.stringify(s.title)} · ${plural(s.message_count, 'message')}` };
      }
      case 'session.list':
        return { label: label(event.topic, styles.bold), text: plural(event.payload.sessions.length, 'session') };
      case 'message.append':
        return { label: label(event.topic), text: `${event.payload.role}: ${event.payload.content}` };
      case 'llm.start':
        return { label: styles.dim(event.topic), text: '' }; // nothing after it: no padding
      case 'llm.token': // printed as flowing text by print(); here for completeness
        return { label: label(event.topic), text: event.payload.token };
      case 'llm.end':
        return { label: label(event.topic, styles.dim), text: styles.dim(`${event.payload.tokens_in} tokens in, ${event.payload.tokens_out} out`) };
      case 'tool.start': {
        this.toolStarts.set(`${event.payload.session_id}\u0000${event.payload.call_id}`, event.timestamp);
        return { label: label(event.topic, styles.yellow), text: [event.payload.tool_name, ' ', styles.dim(event.payload.params)] };
      }
      case 'tool.end': {
        const key = `${event.payload.session_id}\u0000${event.payload.call_id}`;
        const started = this.toolStarts.get(key);
        this.toolStarts.delete(key);
        const mark = event.payload.is_error ? styles.red('✗') : styles.green('✓');
        const duration = started === undefined ? '' : [' ', styles.dim(humanDuration(event.timestamp.getTime() - started.getTime()))];
        return { label: label(event.topic, styles.yellow), text: [mark, ' ', event.payload.tool_name, duration, ' ', styles.dim(['→ ', event.payload.result])] };
      }
      case 'instance.heartbeat': {
        const p = event.payload;
        return {
          label: label(event.topic, styles.dim),
          text: styles.dim(`${p.instance_id} · ${plural(p.session_count, 'session')} · up ${p.uptime.text === '' ? '?' : p.uptime.text}`),
        };
      }
      case 'instance.shutdown':
        return { label: label(event.topic, styles.red), text: event.payload.reason ?? '' };
      default: {
        // db.<entity>.<change>: a write-change notice.
        const p = event.payload;
        return { label: label(event.topic, styles.dim), text: [p.path, ' ', styles.dim(compactJson(p.payload))] };
      }
    }
  }
}
