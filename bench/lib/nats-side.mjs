// The NATS benchmark's other processes: a `nats-server` (the Debian package) on a free loopback
// port with its store in a temporary folder, and relay processes (bench/lib/relay.mjs).
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** Resolves when `child` has exited (at once if it already has). */
const exited = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });

/**
 * Starts `nats-server -a 127.0.0.1 -p <free port> -js -sd <temp dir>` and resolves once its log
 * says it is ready: `{ url, pid, stop() }`.
 */
export const startNatsServer = async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pando-rx-bench-nats-'));
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    await new Promise((resolve, reject) => {
      let log = '';
      const onData = (chunk) => {
        log += chunk.toString('utf8');
        if (!/Server is ready/.test(log)) return;
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        child.stdout.resume();
        child.stderr.resume();
        resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', (err) => reject(new Error(`nats-server could not start (is the Debian package installed?): ${err.message}`)));
      child.once('exit', (code) => reject(new Error(`nats-server exited (${code}) before it was ready:\n${log}`)));
    });
  } catch (err) {
    child.kill('SIGKILL');
    cleanup();
    throw err;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited(child);
      clearTimeout(timer);
      cleanup();
    },
  };
};

/**
 * Forks a relay process for the instance at `pub`/`rpc` and resolves once it is connected to
 * NATS: `{ usage(), stop() }`; `usage()` resolves with `{ cpuNs, published, dropped }`.
 */
export const startRelayProcess = ({ natsUrl, pub, rpc }) =>
  new Promise((resolveStart, rejectStart) => {
    // Under `run.mjs --profile`, each relay process writes its own profile next to the bench's.
    const profileDir = process.execArgv.find((a) => a.startsWith('--cpu-prof-dir='));
    const child = fork(join(here, 'relay.mjs'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_NATS_URL: natsUrl, BENCH_PUB: pub, BENCH_RPC: rpc },
      execArgv: profileDir === undefined ? [] : ['--cpu-prof', profileDir],
    });
    let nextId = 0;
    const waiting = new Map();
    child.once('error', rejectStart);
    child.once('exit', (code, signal) => {
      const err = new Error(`bench relay exited (${code ?? signal})`);
      rejectStart(err);
      for (const { reject } of waiting.values()) reject(err);
      waiting.clear();
    });
    child.on('message', (message) => {
      if (message.type === 'ready') {
        resolveStart({
          usage: () =>
            new Promise((resolve, reject) => {
              const id = ++nextId;
              waiting.set(id, { resolve, reject });
              child.send({ type: 'usage', id });
            }),
          stop: async () => {
            if (child.connected) child.send({ type: 'stop' });
            const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
            await exited(child);
            clearTimeout(timer);
          },
        });
        return;
      }
      const entry = waiting.get(message.id);
      if (entry === undefined) return;
      waiting.delete(message.id);
      entry.resolve(message);
    });
  });
