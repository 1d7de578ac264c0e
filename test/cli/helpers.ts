import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');

const bin = join(root, 'bin', 'pando-rx.js');
/** A temporary directory, removed by `removeTempDirs()`. */
const temps: string[] = [];
export const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `pando-rx-cli-${prefix}-`));
  temps.push(dir);
  return dir;
};
export const removeTempDirs = (): void => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
};

/** A spawned `pando-rx`, its output so far, and ways to wait on it. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the whole stdout once it matches `pattern`; rejects if the process exits first. */
  waitForStdout(pattern: RegExp, guardMs?: number): Promise<string>;
  /** The exit code (or the signal's name when killed by one). */
  readonly exited: Promise<number | string>;
}

const children = new Set<ChildProcess>();

/** The environment of every spawned command: plain output (no TTY, no colours), CI, and a registry of its own. */
const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', NO_COLOR: '1' };
  delete env['COLUMNS'];
  delete env['FORCE_COLOR'];
  delete env['PANDO_REGISTRY_DIR'];
  return env;
};

/** Spawns `node bin/pando-rx.js ...args` with pipes (so not a TTY). */
export const startCli = (args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): CliProcess => {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? root,
    env: { ...baseEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of [...listeners]) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      for (const listener of [...listeners]) listener();
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForStdout: (pattern, guardMs = 10_000) =>
      new Promise<string>((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stdout)) {
            finish();
            resolve(stdout);
          } else if (done || child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(new Error(`pando-rx ${args.join(' ')} ended before printing ${pattern}\nstdout: ${stdout}\nstderr: ${stderr}`));
          }
        };
        // The guard only turns a hang into a clear failure; nothing waits on time.
        const guard = setTimeout(() => {
          finish();
          reject(new Error(`pando-rx ${args.join(' ')} printed no ${pattern} within ${guardMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, guardMs);
        const finish = (): void => {
          clearTimeout(guard);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
  };
};

/** Runs `pando-rx ...args` to its end. */
export const runCli = async (
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> => {
  const cli = startCli(args, options);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
};

/** Kills every command still running (afterEach). */
export const killChildren = async (): Promise<void> => {
  const running = [...children];
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
};
