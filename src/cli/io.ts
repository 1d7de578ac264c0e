/**
 * What a command writes to, and how: colours only on a terminal (and never with NO_COLOR), a
 * spinner only when stderr is a terminal, the terminal's width for truncation, and the signal
 * that Ctrl-C aborts. Everything a command needs from the process comes through `CliIo`, so
 * that `run()` can be called from a test as well as from the `pando-rx` program.
 */

/** Something text can be written to (`process.stdout`, or a buffer in tests). */
export interface TextSink {
  write(text: string): unknown;
}

/** The process a command runs in, as `run()` sees it. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** The environment (`NO_COLOR`, `PANDO_REGISTRY_DIR`, `COLUMNS`). */
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

/** ANSI styles, or the identity when colours are off. */
export interface Styles {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
}

const sgr =
  (enabled: boolean, open: number, close: number) =>
  (text: string): string =>
    enabled && text !== '' ? `\u001b[${open}m${text}\u001b[${close}m` : text;

/** Colours on a terminal, unless `NO_COLOR` is set to anything but `''` (https://no-color.org). */
export const colorsEnabled = (io: Pick<CliIo, 'isTTY' | 'env'>): boolean => {
  const noColor = io.env['NO_COLOR'];
  return io.isTTY && (noColor === undefined || noColor === '');
};

export const makeStyles = (enabled: boolean): Styles => ({
  enabled,
  bold: sgr(enabled, 1, 22),
  dim: sgr(enabled, 2, 22),
  red: sgr(enabled, 31, 39),
  green: sgr(enabled, 32, 39),
  yellow: sgr(enabled, 33, 39),
  cyan: sgr(enabled, 36, 39),
  magenta: sgr(enabled, 35, 39),
});

/** A spinner on stderr, on a terminal only; elsewhere every method does nothing. */
export interface Spinner {
  /** Shows (or changes) the spinner's text. */
  start(text: string): void;
  /** Erases the spinner. Idempotent. */
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const makeSpinner = (sink: TextSink, enabled: boolean, styles: Styles): Spinner => {
  if (!enabled) return { start: () => undefined, stop: () => undefined };
  let timer: ReturnType<typeof setInterval> | undefined;
  let frame = 0;
  let text = '';
  const draw = (): void => {
    sink.write(`\r\u001b[2K${styles.cyan(FRAMES[frame++ % FRAMES.length]!)} ${text}`);
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
      sink.write('\r\u001b[2K');
    },
  };
};

/** The output helpers of one command run. */
export interface Output {
  readonly io: CliIo;
  readonly styles: Styles;
  readonly spinner: Spinner;
  /** The width titles are truncated to (`Infinity` when stdout is not a terminal). */
  readonly columns: number;
  /** Writes text to stdout as is (erasing the spinner first, as `line`, `json` and `note` do). */
  write(text: string): void;
  /** Writes one line to stdout. */
  line(text?: string): void;
  /** Writes one JSON value on one line to stdout. */
  json(value: unknown): void;
  /** Writes one line to stderr (the spinner is erased first). */
  note(text: string): void;
  now(): Date;
}

const columnsOf = (io: CliIo): number => {
  if (io.columns !== undefined && io.columns > 0) return io.columns;
  const fromEnv = Number.parseInt(io.env['COLUMNS'] ?? '', 10);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  return io.isTTY ? 80 : Number.POSITIVE_INFINITY;
};

export const makeOutput = (io: CliIo): Output => {
  const styles = makeStyles(colorsEnabled(io));
  const spinner = makeSpinner(io.stderr, io.stderrIsTTY ?? io.isTTY, styles);
  return {
    io,
    styles,
    spinner,
    columns: columnsOf(io),
    // Output erases the spinner first: on a terminal, both share the screen.
    write: (text) => {
      spinner.stop();
      io.stdout.write(text);
    },
    line: (text = '') => {
      spinner.stop();
      io.stdout.write(`${text}\n`);
    },
    json: (value) => {
      spinner.stop();
      io.stdout.write(`${JSON.stringify(value)}\n`);
    },
    note: (text) => {
      spinner.stop();
      io.stderr.write(`${text}\n`);
    },
    now: () => (io.now === undefined ? new Date() : io.now()),
  };
};
