/**
 * `npm start`: a live view of an embedded fake Pando instance. It starts the fake in-process,
 * connects to it exactly as to a real Pando (ZeroMQ over loopback), and shows the sessions,
 * the agent's text as it streams, its tool calls and the instance's liveness while it plays
 * scripted turns.
 *
 * On a terminal it keeps playing until Ctrl-C; it plays two turns and stops by itself with
 * `--once` (`npm start -- --once`), under `CI=true`, or when stdout is not a terminal (piped
 * into a file or `less`). `--pace <ms>` sets the time between tokens.
 */
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { connect, streamText, toolCalls, turns, type Mirror, type RemoteInstance } from '../index.js';
import { startFakeInstance } from '../testing/index.js';
import { makeOutput, processIo, type Output } from './output.js';
import { PROMPTS, demoScript as script } from './scenario.js';
import { plainText, type Text } from './text.js';

/** How the demo runs: until Ctrl-C, or two turns. */
export interface DemoOptions {
  /** Play two turns, then stop. */
  readonly once: boolean;
  /** Milliseconds between tokens. */
  readonly paceMs: number;
}

/** The options of `argv` and the environment (`--once`, `--pace <ms>`, `CI`, npm's `npm_config_once`). */
const demoOptions = (argv: readonly string[], env: Readonly<Record<string, string | undefined>>, isTTY: boolean): DemoOptions => {
  const pace = argv.indexOf('--pace');
  const paceMs = pace >= 0 ? Number(argv[pace + 1]) : Number.NaN;
  return {
    // `npm start --once` is taken by npm as its own config: npm hands it over as npm_config_once.
    once: argv.includes('--once') || env['CI'] === 'true' || env['npm_config_once'] === 'true' || !isTTY,
    paceMs: Number.isFinite(paceMs) && paceMs >= 0 ? paceMs : isTTY ? 40 : 2,
  };
};

/** The sessions as the demo shows them: what changes the table is what a reader sees. */
const mirrorLines = (mirror: Mirror, out: Output): Text[] => [
  out.styles.bold(`sessions (${mirror.size}, from ${mirror.source}):`),
  ...mirror.sessions.map((session): Text => [
    '  ',
    session.id === mirror.activeSessionId ? out.styles.green('●') : ' ',
    ' ',
    session.title,
    ' ',
    out.styles.dim(`(${session.message_count} messages)`),
  ]),
];

/** Prints the live views of `pando`; returns what ends them and a way to show the sessions on a change. */
const watch = (pando: RemoteInstance, out: Output) => {
  const { styles } = out;
  let printed = 0;
  let resumed = false;
  let latest: Mirror | undefined;
  let shown = '';
  const views = [
    pando.status$.subscribe((status) => out.line(styles.dim(`[status] ${status}`))),
    pando.mirror$.subscribe((mirror) => (latest = mirror)),
    // The agent's text as it streams: print what each emission adds to the turn's text.
    pando.events$.pipe(streamText()).subscribe((text) => {
      if (printed === 0 || resumed) out.write([styles.cyan('agent'), ' ', resumed ? '…' : '']);
      resumed = false;
      out.write(text.text.slice(printed));
      printed = text.text.length;
      if (text.status !== 'streaming') {
        out.write([' ', styles.dim(`(${text.status})`), '\n']);
        printed = 0;
      }
    }),
    pando.events$.pipe(toolCalls()).subscribe((call) => {
      if (printed > 0) {
        out.write('\n'); // the tool call interrupts the streamed line
        resumed = true;
      }
      out.line(['  ', call.status === 'ok' ? styles.green('✓') : styles.red('✗'), ' ', call.toolName, ' ', styles.dim(`${call.durationMs ?? '?'} ms`)]);
    }),
    pando.events$.pipe(turns()).subscribe((turn) => {
      out.line(styles.dim(`  turn done: ${turn.tokensOut} tokens out, ${turn.toolCalls.length} tool call(s)`));
    }),
  ];
  return {
    /** Prints the sessions, unless they look as when last printed. */
    showSessions: (): void => {
      if (latest === undefined) return;
      const lines = mirrorLines(latest, out);
      const text = plainText(lines.map((line) => [line, ' / ']));
      if (text === shown) return;
      shown = text;
      for (const line of lines) out.line(line);
    },
    stop: (): void => views.forEach((view) => view.unsubscribe()),
  };
};

/** What `until` resolves to when the demo was stopped first. */
const STOPPED = Symbol('stopped');

/**
 * Runs the demo on `out` until `out.io.signal` aborts (Ctrl-C), or after two turns with
 * `options.once`; resolves to the exit code.
 */
const runDemo = async (out: Output, options: DemoOptions): Promise<number> => {
  const { styles } = out;
  const signal = out.io.signal;
  const stopped = new Promise<typeof STOPPED>((resolve) => {
    if (signal?.aborted === true) resolve(STOPPED);
    signal?.addEventListener('abort', () => resolve(STOPPED), { once: true });
  });
  /** `promise`, or STOPPED on Ctrl-C; a rejection after Ctrl-C (the connection closing) is expected. */
  const until = <T>(promise: Promise<T>): Promise<T | typeof STOPPED> => {
    promise.catch(() => undefined);
    return Promise.race([promise, stopped]);
  };

  const fake = await startFakeInstance({ mode: 'full', tokenIntervalMs: options.paceMs, heartbeatIntervalMs: 1000, script });
  const pando = connect({ pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint });
  out.line([styles.bold('pando-rx demo'), `: a simulated Pando instance (${fake.instanceId}) at PUB ${fake.pubEndpoint}, RPC ${fake.rpcEndpoint}.`]);
  out.line("Watching its sessions, the agent's replies as they stream, tool calls and liveness, while it plays scripted turns.");
  out.line(styles.dim(options.once ? 'It plays two turns, then stops (Ctrl-C stops it sooner).' : 'Ctrl-C to stop.'));
  const view = watch(pando, out);
  try {
    if ((await until(firstValueFrom(pando.mirror$))) === STOPPED) return 0;
    view.showSessions();
    const sessions = fake.sessions();
    for (let round = 0; !options.once || round < 2; round++) {
      const prompt = PROMPTS[round % PROMPTS.length]!;
      const session = sessions[round % sessions.length]!;
      // Listen before sending, so that the turn's end is not missed.
      const ended = until(firstValueFrom(pando.on('llm.end').pipe(filter((e) => e.payload.session_id === session.id))));
      if ((await until(lastValueFrom(pando.switchSession(session.id)))) === STOPPED) return 0;
      view.showSessions();
      out.line();
      out.line([styles.bold('you'), ' ', prompt, ' ', styles.dim(['→ ', session.title])]);
      if ((await until(lastValueFrom(pando.sendMessage(session.id, prompt)))) === STOPPED) return 0;
      if ((await ended) === STOPPED) return 0;
    }
    // Show what the instance now holds, read back over RPC.
    const first = sessions[0]!;
    const messages = await until(lastValueFrom(pando.listMessages(first.id)));
    if (messages === STOPPED) return 0;
    view.showSessions();
    out.line();
    out.line(styles.dim([first.title, `: ${messages.length} messages stored`]));
    return 0;
  } finally {
    if (signal?.aborted === true) out.line(styles.dim('stopping…'));
    view.stop();
    pando.close();
    await fake.stop();
  }
};

/** Runs the demo on this process: its arguments and streams; Ctrl-C stops it cleanly, a second one at once. */
export const main = async (argv: readonly string[] = process.argv.slice(2)): Promise<void> => {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    if (++signals > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io = processIo(controller.signal, () => controller.abort());
  const out = makeOutput(io);
  try {
    process.exitCode = await runDemo(out, demoOptions(argv, io.env, io.isTTY));
  } catch (error) {
    out.note(`pando-rx demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
};

// Run directly (`node dist/cjs/cli/demo.js`); `npm start` (scripts/start.mjs) calls `main()` itself.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) void main();
