import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './live';

/** A `nats-server` child process on loopback, for tests. */
export interface NatsServer {
  readonly port: number;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** Kills the server (SIGKILL: no goodbye to its clients) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  restart(): Promise<void>;
}

const READY = /Server is ready/;

/** Spawns `nats-server -a 127.0.0.1 -p <port>` and resolves once its log says it is ready. */
const spawnServer = (port: number, args: readonly string[]): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      if (READY.test(log)) {
        child.stderr?.off('data', onData);
        child.stdout?.off('data', onData);
        child.stderr?.resume();
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`nats-server exited (${String(code)}) before it was ready:\n${log}`)));
  });

const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

/**
 * Starts a `nats-server` on a free loopback port (the Debian package), waiting on its "Server is
 * ready" line, never on a fixed sleep. `kill()` it at the end of the test.
 */
export const startNatsServer = async (extraArgs: readonly string[] = []): Promise<NatsServer> => {
  const port = await freePort();
  let child: ChildProcess | undefined = await spawnServer(port, extraArgs);
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    kill: async () => {
      if (child !== undefined) await stopChild(child);
      child = undefined;
    },
    restart: async () => {
      if (child !== undefined) await stopChild(child);
      child = await spawnServer(port, extraArgs);
    },
  };
};
