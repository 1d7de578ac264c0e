/**
 * The output boundary of the command: the one module that writes to stdout and stderr.
 *
 * Commands get an {@link Output}, whose methods take {@link Text}: every plain string in it is
 * neutralised (controls shown visibly, see `text.ts`) and every JSON value escaped, whatever
 * its source, so that no command can put an instance's, a registry's or a user's escape
 * sequence on the terminal by accident. Colours are styled spans rendered here, with Node's
 * `util.styleText`, only on a terminal and never with `NO_COLOR`; the only raw control
 * sequences written are the ones this module makes itself (colours, the spinner, redraws).
 * A test (`test/cli/boundary.spec.ts`) checks that no other file in `src/cli` writes.
 */
import { styleText } from 'node:util';
import { terminalSafeJson, boundedJson } from './json.js';
import { Styled, segmentsOf, type Layout, type Style, type Text } from './text.js';

/** Something text can be written to (`process.stdout`, or a buffer in tests). */
export interface TextSink {
  write(text: string): unknown;
}

/** What a command knows of the process it runs in, streams aside. */
export interface CliContext {
  /** The environment (`NO_COLOR`, `PANDO_REGISTRY_DIR`, `COLUMNS`, `CI`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory relative paths (and the default `--workdir`) are resolved against. */
  readonly cwd: string;
  /** Whether stdout is a terminal: colours, relative redraws and truncation to its width. */
  readonly isTTY: boolean;
  /** Whether stderr is a terminal: the spinner. Default `isTTY`. */
  readonly stderrIsTTY?: boolean;
  /** The terminal's width in columns. Default `$COLUMNS`, else 80 on a terminal, else no limit. */
  readonly columns?: number;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM: long-running commands end cleanly. */
  readonly signal?: AbortSignal;
  /** The clock of relative ages ("3m ago"). Default `new Date()`. */
  readonly now?: () => Date;
}

/** The process a command runs in, as `run()` sees it: its context and its two streams. */
export interface CliIo extends CliContext {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

/** Styled spans (rendered as colours only when colours are on). */
export type Styles = { readonly enabled: boolean } & { readonly [S in Style]: (text: Text) => Text };

/** Colours on a terminal, unless `NO_COLOR` is set to anything but `''` (https://no-color.org). */
const colorsEnabled = (io: Pick<CliContext, 'isTTY' | 'env'>): boolean => {
  const noColor = io.env['NO_COLOR'];
  return io.isTTY && (noColor === undefined || noColor === '');
};

const STYLES: readonly Style[] = ['bold', 'dim', 'red', 'green', 'yellow', 'cyan', 'magenta'];

const makeStyles = (enabled: boolean): Styles =>
  Object.fromEntries([['enabled', enabled], ...STYLES.map((style) => [style, (text: Text) => new Styled(style, text)])]) as Styles;

/** `text` as the terminal receives it: neutralised, and coloured when `colors`. */
export const render = (text: Text, colors: boolean, layout: Layout = 'line'): string =>
  segmentsOf(text, layout)
    .map((segment) =>
      // We decide whether to colour (TTY, NO_COLOR), so styleText must not check process.stdout.
      colors && segment.styles.length > 0 ? styleText([...segment.styles], segment.text, { validateStream: false }) : segment.text,
    )
    .join('');

/** A spinner on stderr, on a terminal only; elsewhere every method does nothing. */
export interface Spinner {
  /** Shows (or changes) the spinner's text. */
  start(text: Text): void;
  /** Erases the spinner. Idempotent. */
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const ERASE_LINE = '\r\u001b[2K';
const HOME_AND_CLEAR = '\u001b[H\u001b[2J';

const makeSpinner = (sink: TextSink, enabled: boolean, colors: boolean): Spinner => {
  if (!enabled) return { start: () => undefined, stop: () => undefined };
  let timer: ReturnType<typeof setInterval> | undefined;
  let frame = 0;
  let text: Text = '';
  const draw = (): void => {
    sink.write(`${ERASE_LINE}${render([new Styled('cyan', FRAMES[frame++ % FRAMES.length]!), ' ', text], colors)}`);
  };
  return {
    start: (next) => {
      text = next;
      if (timer === undefined) {
        timer = setInterval(draw, 80);
        timer.unref?.();
      }
      draw();
    },
    stop: () => {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      sink.write(ERASE_LINE);
    },
  };
};

/** The output of one command run: the only way a command writes. */
export interface Output {
  /** The process, streams aside. */
  readonly io: CliContext;
  readonly styles: Styles;
  readonly spinner: Spinner;
  /** The width lines are truncated to (`Infinity` when stdout is not a terminal and `$COLUMNS` is unset). */
  readonly columns: number;
  /** Writes text to stdout, newlines kept, no newline added (streamed tokens). */
  write(text: Text): void;
  /** Writes one line to stdout: newlines inside become spaces. */
  line(text?: Text): void;
  /** Writes lines of text to stdout, newlines kept (messages, help). */
  block(text: Text): void;
  /**
   * Writes one JSON value on one line to stdout, cut where nested deeper than `MAX_JSON_DEPTH`;
   * returns the depth it was cut at, if it was.
   */
  json(value: unknown): number | undefined;
  /** Writes one line to stderr. */
  note(text: Text): void;
  /** Writes lines of text to stderr, newlines kept. */
  noteBlock(text: Text): void;
  /** On a terminal, moves to the top left and clears the screen, before a redraw. */
  clearScreen(): void;
  now(): Date;
}

const columnsOf = (io: CliContext): number => {
  if (io.columns !== undefined && io.columns > 0) return io.columns;
  const fromEnv = Number.parseInt(io.env['COLUMNS'] ?? '', 10);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  return io.isTTY ? 80 : Number.POSITIVE_INFINITY;
};

/** The output of a run over `io`'s streams. */
export const makeOutput = (io: CliIo): Output => {
  const { stdout, stderr, ...context } = io;
  const colors = colorsEnabled(io);
  const spinner = makeSpinner(stderr, io.stderrIsTTY ?? io.isTTY, colors);
  // Output erases the spinner first: on a terminal, both share the screen.
  const out = (sink: TextSink, text: string): void => {
    spinner.stop();
    sink.write(text);
  };
  return {
    io: context,
    styles: makeStyles(colors),
    spinner,
    columns: columnsOf(io),
    write: (text) => out(stdout, render(text, colors, 'block')),
    line: (text = '') => out(stdout, `${render(text, colors)}\n`),
    block: (text) => out(stdout, render(text, colors, 'block')),
    json: (value) => {
      const { json, cutAtDepth } = boundedJson(value);
      out(stdout, `${terminalSafeJson(json)}\n`);
      return cutAtDepth;
    },
    note: (text) => out(stderr, `${render(text, colors)}\n`),
    noteBlock: (text) => out(stderr, render(text, colors, 'block')),
    clearScreen: () => {
      if (io.isTTY) out(stdout, HOME_AND_CLEAR);
    },
    now: () => (io.now === undefined ? new Date() : io.now()),
  };
};

/**
 * The `CliIo` of this process (its streams, environment, terminal), and a way to end the
 * command quietly when the reader of stdout goes away (`pando-rx tail | head`).
 */
export const processIo = (signal: AbortSignal, onBrokenPipe: () => void): CliIo => {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') onBrokenPipe();
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    ...(process.stdout.columns === undefined ? {} : { columns: process.stdout.columns }),
    signal,
  };
};
