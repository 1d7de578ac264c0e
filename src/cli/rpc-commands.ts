/**
 * The one-shot commands: `ping`, `activate`, `interrupt`, `messages`, and `send`, which prints
 * the reply as it streams until the turn ends.
 */
import { filter, lastValueFrom, switchMap, takeUntil, tap, throwError, type Observable } from 'rxjs';
import {
  InstanceNotConfirmedError,
  InstanceUnreachableError,
  ReplyTimeoutError,
  PingResult,
  confirmInstance,
  connect,
  sessionIdOf,
  type OkResult,
  type RemoteInstance,
  type Reply,
} from '../index.js';
import { eventJson, humanDuration, messageJson, relativeAge } from './format.js';
import type { CliContext, Output } from './output.js';
import {
  CliError,
  EXIT_OK,
  InterruptedError,
  aborted$,
  call,
  explainRpcError,
  resolveSession,
  resolveTarget,
  usageError,
  type Target,
  type TargetOptions,
} from './target.js';
import { plainText, truncate, type Text } from './text.js';
import { probeTarget, unreachableMessage } from './unreachable.js';

/**
 * Resolves the target, fails at once when nothing listens there (`needsPub`: the PUB endpoint
 * too), connects, runs `body`, and always closes the connection.
 */
export const withInstance = async (
  options: TargetOptions,
  out: Output,
  body: (pando: RemoteInstance, target: Target) => Promise<number>,
  needsPub = false,
): Promise<number> => {
  const target = await resolveTarget(options, out.io);
  out.spinner.start(`connecting to ${target.rpcEndpoint}…`);
  const problem = await probeTarget(target, needsPub, options.timeout);
  if (problem !== undefined) {
    out.spinner.stop();
    throw new CliError(problem);
  }
  const pando = connect({ pubEndpoint: target.pubEndpoint, rpcEndpoint: target.rpcEndpoint, rpcTimeoutMs: options.timeout });
  try {
    await confirm(pando, target, options.timeout, out);
    return await body(pando, target);
  } finally {
    out.spinner.stop();
    pando.close();
  }
};

/**
 * A lock file or a registry entry is a claim (anyone can write one): before anything it said
 * is shown or acted on, the instance at its endpoints must answer `instance.ping` with the
 * instance id it named (see docs/discovery.md).
 */
const confirm = async (pando: RemoteInstance, target: Target, timeoutMs: number, out: Output): Promise<void> => {
  if (target.found === undefined || target.found.instanceId === undefined) return;
  try {
    await call(confirmInstance(target.found, () => pando.ping(), { timeoutMs }), target, timeoutMs, out.io);
  } catch (error) {
    if (!(error instanceof InstanceNotConfirmedError)) throw error;
    if (error.reason === 'no-answer') throw await explainRpcError(error.cause, target, timeoutMs);
    throw new CliError(`${error.message} (not trusted: nothing it said is used)`);
  }
};

const shortTitle = (title: string, out: Output, room = 60): Text => ['"', truncate(title, Math.min(room, Number.isFinite(out.columns) ? out.columns - 30 : room)), '"'];

/** `ping`: one `instance.ping`, its answer and how long it took. */
export const ping = (options: TargetOptions, out: Output): Promise<number> =>
  withInstance(options, out, async (pando, target) => {
    const started = Date.now();
    const pong = await call(pando.ping(), target, options.timeout, out.io);
    const latencyMs = Date.now() - started;
    if (options.json === true) {
      out.json({
        pubEndpoint: target.pubEndpoint,
        rpcEndpoint: target.rpcEndpoint,
        via: target.via,
        latencyMs,
        result: PingResult.encode(pong),
      });
    } else {
      const { styles } = out;
      out.line([
        styles.green('pong'),
        ' from ',
        styles.bold(pong.instance_id),
        ` in ${latencyMs} ms, up ${pong.uptime.text === '' ? '?' : pong.uptime.text}, at ${target.rpcEndpoint} `,
        styles.dim(`(from ${target.detail})`),
      ]);
    }
    return EXIT_OK;
  });

/** A command that calls one `{ ok }` method on a session and says what it did. */
const sessionCommand =
  (method: (pando: RemoteInstance, sessionId: string) => Observable<OkResult>, done: (session: Text) => Text) =>
  (options: TargetOptions, out: Output, given: string): Promise<number> =>
    withInstance(options, out, async (pando, target) => {
      const session = await resolveSession(pando, given, target, options.timeout, out.io);
      const result = await call(method(pando, session.id), target, options.timeout, out.io);
      if (options.json === true) out.json({ sessionId: session.id, result });
      else out.line(done([out.styles.bold(session.id), ' ', shortTitle(session.title, out)]));
      return EXIT_OK;
    });

/** `activate <session>`: makes it the active session. */
export const activate = sessionCommand(
  (pando, id) => pando.switchSession(id),
  (session) => ['session ', session, ' is now active'],
);

/** `interrupt <session>`: cancels its running turn. */
export const interrupt = sessionCommand(
  (pando, id) => pando.interrupt(id),
  (session) => ['interrupted the running turn of session ', session, ', if any'],
);

/** Options of `messages`. */
export interface MessagesOptions extends TargetOptions {
  /** Only the last this many messages. */
  readonly last?: number;
}

/** `messages <session> [--last N]`: the stored conversation. */
export const messages = (options: MessagesOptions, out: Output, given: string): Promise<number> =>
  withInstance(options, out, async (pando, target) => {
    const session = await resolveSession(pando, given, target, options.timeout, out.io);
    const all = await call(pando.listMessages(session.id), target, options.timeout, out.io);
    const list = options.last === undefined ? all : all.slice(Math.max(0, all.length - options.last));
    if (options.json === true) {
      out.json({ sessionId: session.id, messages: list.map(messageJson) });
      return EXIT_OK;
    }
    const { styles } = out;
    const count = `${all.length} message${all.length === 1 ? '' : 's'}${list.length < all.length ? `, the last ${list.length} shown` : ''}`;
    out.line([styles.bold(session.title), ' ', styles.dim(['· ', session.id, ` · ${count}`])]);
    const now = out.now();
    for (const message of list) {
      const role = message.role === 'user' ? styles.cyan(message.role) : message.role === 'assistant' ? styles.green(message.role) : message.role;
      out.line();
      out.line([role, ' ', styles.dim(`· ${relativeAge(message.created_at, now)}`)]);
      for (const text of message.content.replace(/\r\n/g, '\n').split('\n')) out.block(['  ', text, '\n']);
    }
    return EXIT_OK;
  });

/** Options of `send`. */
export interface SendOptions extends TargetOptions {
  /** Give up when the session is silent this long before its `llm.end`. */
  readonly idleTimeout: number;
}

/** The topics `send --json` prints: the reply's, and what the instance says about the message. */
const SEND_TOPICS = ['llm.start', 'llm.token', 'llm.end', 'tool.start', 'tool.end', 'message.append', 'session.update'] as const;

/**
 * `send <session> <text…>`: sends a message and prints the reply as it streams (tool calls on
 * their own lines, with durations), until the turn ends: `pando.ask()`, printed. With `--json`,
 * every event of the session until then, one per line.
 */
export const send = (options: SendOptions, out: Output, given: string, words: readonly string[]): Promise<number> => {
  const content = words.join(' ');
  if (content.trim() === '') return Promise.reject(usageError('the message is empty'));
  const io: CliContext = out.io;
  const { styles } = out;
  const json = options.json === true;
  return withInstance(options, out, async (pando, target) => {
    const session = await resolveSession(pando, given, target, options.timeout, io);
    let column = 0; // where the reply's current line is, to start tool lines on a new one
    let shown = 0; // how much of the reply's text is printed
    const toolsShown = new Set<string>();
    const write = (text: Text): void => {
      out.write(text);
      const plain = plainText(text, 'block');
      const newline = plain.lastIndexOf('\n');
      column = newline < 0 ? column + plain.length : plain.length - newline - 1;
    };
    const endLine = (): void => {
      if (column > 0) write('\n');
    };
    const print = (reply: Reply): void => {
      out.spinner.stop();
      if (json) return;
      write(reply.text.slice(shown));
      shown = reply.text.length;
      for (const tool of reply.toolCalls) {
        if (tool.status === 'unfinished' || toolsShown.has(tool.callId)) continue;
        toolsShown.add(tool.callId);
        const mark = tool.isError ? styles.red('✗') : styles.green('✓');
        const duration = tool.durationMs === undefined ? '' : [' ', styles.dim(humanDuration(tool.durationMs))];
        endLine();
        write(['  ', mark, ' ', tool.toolName, duration, '\n']);
      }
    };

    // --json: every event of the session, from before the message is sent until the turn ends.
    const events = json
      ? pando.on(...SEND_TOPICS).pipe(filter((event) => sessionIdOf(event) === session.id)).subscribe((event) => out.json(eventJson(event)))
      : undefined;
    try {
      out.spinner.start('waiting for the reply…');
      const reply$ = pando.ask(session.id, content, {
        readyTimeoutMs: options.timeout,
        sendTimeoutMs: options.timeout,
        firstEventTimeoutMs: options.idleTimeout,
        idleTimeoutMs: options.idleTimeout,
      });
      const down$ = pando.status$.pipe(
        filter((status) => status === 'down'),
        switchMap(() => throwError(() => new CliError(`the instance went down before the turn ended (${target.rpcEndpoint})`))),
      );
      let last: Reply | undefined;
      try {
        // takeUntil forwards down$'s error: the instance going down ends the wait with it.
        last = await lastValueFrom(reply$.pipe(tap(print), takeUntil(down$), takeUntil(aborted$(io.signal))), { defaultValue: undefined });
      } catch (error) {
        endLine();
        if (error instanceof InstanceUnreachableError) throw new CliError(await unreachableMessage(target, { kind: 'timeout', timeoutMs: options.timeout }));
        if (error instanceof ReplyTimeoutError) throw new CliError(`no reply from session ${session.id} within ${humanDuration(options.idleTimeout)}`);
        throw await explainRpcError(error, target, options.timeout);
      }
      endLine();
      if (last === undefined) {
        out.note(styles.dim(['stopped waiting; the turn goes on (pando-rx interrupt ', session.id, ' cancels it)']));
        throw new InterruptedError();
      }
      if (last.status === 'interrupted') {
        throw new CliError(`no llm.end after ${humanDuration(options.idleTimeout)} of silence from session ${session.id}: the turn was interrupted, or the instance is stuck`);
      }
      if (!json && (io.stderrIsTTY ?? io.isTTY)) out.note(styles.dim(`(turn done: ${last.text.length} characters, ${last.toolCalls.length} tool call${last.toolCalls.length === 1 ? '' : 's'})`));
      return EXIT_OK;
    } finally {
      events?.unsubscribe();
    }
  }, true);
};
