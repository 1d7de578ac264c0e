/**
 * The `pando-rx` command: a running Pando instance from the shell.
 *
 * ```sh
 * pando-rx instances                     # the running instances of the registry
 * pando-rx sessions --watch              # the sessions of this directory's instance, live
 * pando-rx tail --topic llm.token        # its events as they happen
 * pando-rx send 5b0c "run the tests"     # a message, and the reply as it streams
 * pando-rx simulate                      # a fake instance to try all of this on
 * pando-rx bridge                        # serve this directory's instance to browsers
 * ```
 *
 * The logic is `run(argv, io)`, callable from tests; the module runs it on the process when
 * it is the program (`node dist/cjs/cli/main.js`, or `bin/pando-rx.js`, which requires it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { checkZeromq } from '../index.js';
import { bridge, BRIDGE_TOKEN_ENV, type BridgeCommandOptions } from './bridge-command.js';
import { instances, type InstancesOptions } from './instances.js';
import { sessions, tail, type SessionsOptions, type TailOptions } from './live-commands.js';
import { makeOutput, processIo, type CliIo, type Output } from './output.js';
import { activate, interrupt, messages, ping, send, type MessagesOptions, type SendOptions } from './rpc-commands.js';
import { relay, type RelayCommandOptions } from './relay.js';
import { parseDuration } from './duration.js';
import { simulate, type SimulateOptions } from './simulate.js';
import { CliError, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, InterruptedError, type TargetOptions } from './target.js';

export type { CliContext, CliIo, TextSink } from './output.js';
export { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from './target.js';

/** The default of `--timeout`: how long to wait for an instance to answer. */
export const DEFAULT_TIMEOUT_MS = 5000;

// ---- option values ------------------------------------------------------------------------------

const wholeNumber =
  (what: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected ${what}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };

const milliseconds = wholeNumber('a whole number of milliseconds (at least 1)', 1);
const millisecondsOrZero = wholeNumber('a whole number of milliseconds (0 or more)', 0);
const port = wholeNumber('a port (1-65535), or 0 for any free port', 0, 65535);
const count = wholeNumber('a whole number (at least 1)', 1);

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** The package's version, from its package.json (two or three levels up from this file). */
const version = (): string => {
  try {
    for (const up of ['..', '../..', '../../..']) {
      const file = path.join(__dirname, up, 'package.json');
      if (!fs.existsSync(file)) continue;
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pando-rx' && typeof pkg.version === 'string') return pkg.version;
    }
  } catch {
    // not found: fall through
  }
  return '0.0.0';
};

// ---- the program ---------------------------------------------------------------------------------

/** `--workdir`, `--pub`/`--rpc`, `--registry`, `--timeout`, `--json`: what every connecting command takes. */
const withConnectionOptions = (command: Command): Command =>
  command
    .option('-w, --workdir <dir>', "find the instance of this directory (default: the current directory)")
    .option('--pub <endpoint>', "the instance's PUB endpoint, e.g. tcp://127.0.0.1:46503 or just 46503 (with --rpc)")
    .option('--rpc <endpoint>', "the instance's RPC (ROUTER) endpoint, e.g. tcp://127.0.0.1:46504 or just 46504 (with --pub)")
    .option('--registry <dir>', 'the registry of running instances (default: $PANDO_REGISTRY_DIR, else /tmp/pando-instances)')
    .option('-t, --timeout <ms>', 'how long to wait for the instance to answer', milliseconds, DEFAULT_TIMEOUT_MS)
    .option('--json', 'machine-readable output: JSON, one object per line');

const HELP_AFTER = `
Finding the instance: --pub/--rpc when given; else, for --workdir (default: the current
directory), its lock file <dir>/.pando/ipc.lock (if its pid is alive), then the registry's
live primary entry for <dir>, then the directory's deterministic ports.

Exit codes: 0 ok (and Ctrl-C ending tail, --watch or simulate), 1 failure (an RPC error,
an unreachable instance), 2 usage error, 130 interrupted by Ctrl-C before the command was done.`;

/** Commander's own error (`error: unknown option '--x'`), in our one-line style. */
const usageLine = (text: string): string => `pando-rx: ${text.trim().replace(/^error: /, '')} (run with --help for usage)`;

const buildProgram = (out: Output, done: (code: number) => void): Command => {
  const program = new Command('pando-rx')
    .description('A running Pando instance from the shell: its instances, sessions, live events and RPC.')
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out.block(text),
      writeErr: (text) => out.noteBlock(text),
      outputError: (text) => out.note(usageLine(text)),
    })
    .addHelpText('after', HELP_AFTER);

  program
    .command('instances')
    .description('list the running Pando instances of the registry (id, mode, pid, path, ports, primary, age)')
    .option('--registry <dir>', 'the registry directory (default: $PANDO_REGISTRY_DIR, else /tmp/pando-instances)')
    .option('-w, --workdir <dir>', 'only the instances running in this directory')
    .option('--watch', 'redraw the list each time it changes, until Ctrl-C')
    .option('--json', 'machine-readable output: one JSON object (per change with --watch)')
    .action(async (opts: InstancesOptions) => done(await instances(opts, out)));

  withConnectionOptions(
    program
      .command('sessions')
      .description("the instance's sessions as a table (● marks the active one)")
      .option('--watch', 'redraw the table on each change, until Ctrl-C'),
  ).action(async (opts: SessionsOptions) => done(await sessions(opts, out)));

  withConnectionOptions(
    program
      .command('tail')
      .description('the live events, one line each: tokens flow as text, tool calls end with ✓ or ✗; until Ctrl-C')
      .option('--topic <topic>', 'only this topic; repeat it or use commas for more; llm.* for a prefix', collect)
      .option('--session <id>', 'only the events of this session (an id, or the start of one)')
      .option('--heartbeats', 'show instance.heartbeat events too (hidden by default)'),
  ).action(async (opts: TailOptions) => done(await tail(opts, out)));

  withConnectionOptions(program.command('ping').description('ask the instance whether it is there (instance.ping)')).action(
    async (opts: TargetOptions) => done(await ping(opts, out)),
  );

  withConnectionOptions(
    program
      .command('send')
      .description('send a message to a session and print the reply as it streams, until the turn ends')
      .argument('<session>', 'the session: its id, or the start of one')
      .argument('<text...>', 'the message (the words are joined with spaces; put -- before text that starts with -)')
      .option('--idle-timeout <ms>', 'give up when the session is silent this long before the turn ends', milliseconds, 120_000),
  ).action(async (session: string, text: string[], opts: SendOptions) => done(await send(opts, out, session, text)));

  withConnectionOptions(
    program.command('interrupt').description("cancel a session's running turn (session.interrupt)").argument('<session>', 'the session: its id, or the start of one'),
  ).action(async (session: string, opts: TargetOptions) => done(await interrupt(opts, out, session)));

  withConnectionOptions(
    program.command('activate').description('make a session the active one (session.activate)').argument('<session>', 'the session: its id, or the start of one'),
  ).action(async (session: string, opts: TargetOptions) => done(await activate(opts, out, session)));

  withConnectionOptions(
    program
      .command('messages')
      .description("a session's stored messages (message.list)")
      .argument('<session>', 'the session: its id, or the start of one')
      .option('-n, --last <n>', 'only the last n messages', count),
  ).action(async (session: string, opts: MessagesOptions) => done(await messages(opts, out, session)));

  program
    .command('simulate')
    .description('run a fake Pando instance in the foreground, announced in the registry (and a lock file), until Ctrl-C')
    .option('-w, --workdir <dir>', 'the directory it runs in: its ports, lock file and registry path (default: the current directory)')
    .option('--registry <dir>', 'where to write its registry file (default: $PANDO_REGISTRY_DIR, else /tmp/pando-instances)')
    .addOption(new Option('--mode <mode>', 'full: runs the agent; pando: behaves like today\'s Pando builds').choices(['full', 'pando']).default('full'))
    .addOption(
      new Option('--ui <mode>', "the mode its registry entry shows")
        .choices(['tui', 'webui', 'desktop', 'acp', 'noninteractive', 'proxy'])
        .default('noninteractive'),
    )
    .option('--pace <ms>', 'milliseconds between the tokens (and tool calls) of a turn', millisecondsOrZero, 40)
    .option('--heartbeat <ms>', 'milliseconds between heartbeats; 0 for none', millisecondsOrZero, 5000)
    .option('--pub-port <port>', "the PUB port (default: the directory's deterministic port; 0: any free port)", port)
    .option('--rpc-port <port>', "the RPC port (default: the directory's deterministic port; 0: any free port)", port)
    .option('--secondary', 'run as a secondary instance: free ports, is_primary false, no lock file')
    .option('--lock', 'write <workdir>/.pando/ipc.lock (default: when on the deterministic ports as the primary)')
    .option('--no-lock', 'do not write the lock file')
    .option('--instance-id <id>', 'its instance id (default: fake-<8 hex digits>)')
    .option('--play-every <ms>', 'play a scripted turn every this many ms, round-robin over the sessions', milliseconds)
    .option('-q, --quiet', 'do not log requests and turns')
    .option('--json', 'machine-readable output: one JSON object per line (ready, request, turn, stopped)')
    .action(async (opts: SimulateOptions) => done(await simulate(opts, out)));

  withConnectionOptions(
    program
      .command('bridge')
      .description('serve the instance (or --fleet: every instance) to browsers over a WebSocket, with a dashboard at /, until Ctrl-C; read-only unless --allow-control')
      .option('--host <address>', 'the address to bind (anything but loopback also needs --allow-non-loopback)', '127.0.0.1')
      .option('--port <port>', 'the port (0: any free port)', port, 8787)
      .option('--token <token>', `the token every connection must carry (default: $${BRIDGE_TOKEN_ENV}, else a random one, printed)`)
      .option('--allow-origin <origin>', "a web page's origin allowed to connect, e.g. http://localhost:4200; repeat it for more", collect)
      .option('--allow-control', 'forward message.send, session.interrupt and session.activate (default: read-only)')
      .option('--allow-non-loopback', 'allow a --host that is not loopback (prints a warning)')
      .option('--max-connections <n>', 'how many WebSocket connections at once (a browser uses two)', count)
      .option('--fleet', "serve every instance of the registry (a browser names one: ?instance=<id>), not just this directory's")
      .option('--simulate', 'start a fake instance in this process and serve it, control allowed: the dashboard with no Pando'),
  ).action(async (opts: BridgeCommandOptions) => done(await bridge(opts, out)));

  program
    .command('relay')
    .description("relay this host's instances (the registry) to a NATS server, until Ctrl-C: events, liveness, RPC (see docs/scale-out.md)")
    .requiredOption('--nats <url>', 'a NATS server, e.g. nats://127.0.0.1:4222; repeat it or use commas for more', collect)
    .option('--registry <dir>', 'the registry of the instances to relay (default: $PANDO_REGISTRY_DIR, else /tmp/pando-instances)')
    .option('--allow-control', 'pass control methods on (message.send, session.activate, session.interrupt); default: read-only')
    .option('--replay <duration>', 'keep each instance\'s events this long in JetStream (e.g. 15m, 2h), so that clients can replay what they missed; needs nats-server -js', parseDuration)
    .option('--replay-max-messages <n>', 'with --replay: keep at most this many events per instance', count)
    .option('--json', 'machine-readable output: one JSON object per line (ready, instances, problem, stopped)')
    .addHelpText('after', '\nCredentials come from the environment, never from the command line: NATS_TOKEN, or NATS_USER and\nNATS_PASSWORD, or NATS_CREDS (a credentials file). They are never printed.')
    .action(async (opts: RelayCommandOptions) => done(await relay(opts, out)));

  // The servers reach their instances over ZeroMQ only: without the optional zeromq they would
  // start, then fail every link, so they say so before starting (the other commands fail
  // through connect(), with the same error).
  program.hook('preAction', async (_program, action) => {
    if (ZEROMQ_SERVERS.includes(action.name())) await checkZeromq(`pando-rx ${action.name()}`);
  });

  return program;
};

/** The commands that serve instances over ZeroMQ (checked for zeromq before they start). */
const ZEROMQ_SERVERS = ['bridge', 'relay'];

/** Maps commander's own exits: help and version are not errors; everything else is a usage error. */
const commanderExit = (error: CommanderError): number => {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
  if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  return EXIT_USAGE;
};

/**
 * Runs the command line `argv` (without `node` and the script) in `io`, and resolves to the
 * exit code: 0 ok, 1 failure, 2 usage error, 130 interrupted (by `io.signal`) while waiting.
 * It never rejects, and never calls `process.exit`.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const out = makeOutput(io);
  let code = EXIT_OK;
  const program = buildProgram(out, (result) => (code = result));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    out.spinner.stop();
    if (error instanceof CommanderError) return commanderExit(error);
    if (error instanceof InterruptedError) return error.exitCode;
    if (error instanceof CliError) {
      out.note(`pando-rx: ${error.message}${error.exitCode === EXIT_USAGE ? ' (run with --help for usage)' : ''}`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    // Our own errors (ZeromqMissingError, …) already say whose they are.
    out.note(message.startsWith('pando-rx: ') ? message : `pando-rx: ${message}`);
    return EXIT_FAILURE;
  }
}

/** Runs `run()` on this process: its arguments, streams and environment; Ctrl-C and SIGTERM end the command cleanly. */
export const main = async (): Promise<void> => {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals > 1) process.exit(EXIT_INTERRUPTED); // a second Ctrl-C: do not wait for the clean-up
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `pando-rx tail | head`: the reader went away; end quietly.
  const code = await run(process.argv.slice(2), processIo(controller.signal, () => controller.abort()));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.exitCode = code;
  // Everything is closed by now; should a socket still linger, it must not keep the command alive.
  setTimeout(() => process.exit(code), 2000).unref();
};

// Run directly (`node dist/cjs/cli/main.js`); the package's `bin/pando-rx.js` calls `main()` itself.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) void main();
