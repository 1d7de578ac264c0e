import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/** A relay running in a child process. */
export interface RelayProcess {
  readonly pid: number;
  /** Kills it with SIGKILL (no leave message, as a crash) and waits for it to exit. */
  kill(): Promise<void>;
}

let bundled: string | undefined;

/** `relay-child.ts` bundled once per test file with esbuild (its packages stay external): about 0.1 s. */
const childScript = (): string => {
  if (bundled !== undefined) return bundled;
  const out = join(mkdtempSync(join(tmpdir(), 'pando-rx-relay-child-')), 'relay-child.cjs');
  buildSync({ entryPoints: [join(__dirname, 'relay-child.ts')], bundle: true, platform: 'node', format: 'cjs', packages: 'external', outfile: out, logLevel: 'silent' });
  bundled = out;
  return out;
};

/**
 * Starts a relay of `registryDir` to `natsUrl` in a child process and resolves once it relays an
 * instance (its `ready` line), never on a fixed sleep. Kill it at the end of the test.
 */
export const startRelayProcess = (natsUrl: string, registryDir: string, statusIntervalMs: number): Promise<RelayProcess> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [childScript(), natsUrl, registryDir, String(statusIntervalMs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: join(__dirname, '..', '..'),
      // The bundle lives in a temporary folder: its packages are this project's.
      env: { ...process.env, NODE_PATH: join(__dirname, '..', '..', 'node_modules') },
    });
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (/^ready$/m.test(output)) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({
          pid: child.pid!,
          kill: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGKILL');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the relay process exited (${String(code)}) before it was ready:\n${output}`)));
  });
