// The parent's side of bench/lib/instance.mjs: start it, ask it to publish, stop it.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Starts the instance process and resolves once its sockets are bound:
 * `{ pub, rpc, subscriptions(), publish(options), stop() }`.
 */
export const startInstance = ({ snapshotSessions = 100 } = {}) =>
  new Promise((resolveStart, rejectStart) => {
    const child = fork(join(here, 'instance.mjs'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_SNAPSHOT_SESSIONS: String(snapshotSessions) },
      execArgv: [],
    });
    let nextId = 0;
    const waiting = new Map();
    const request = (message) =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        waiting.set(id, { resolve, reject });
        child.send({ ...message, id });
      });
    const failAll = (err) => {
      for (const { reject } of waiting.values()) reject(err);
      waiting.clear();
    };
    child.on('error', (err) => {
      rejectStart(err);
      failAll(err);
    });
    child.on('exit', (code, signal) => {
      const err = new Error(`bench instance exited (${code ?? signal})`);
      rejectStart(err);
      failAll(err);
    });
    child.on('message', (message) => {
      if (message.type === 'ready') {
        resolveStart({
          pub: message.pub,
          rpc: message.rpc,
          /** How many subscriptions the instance has seen so far (one per subscriber). */
          subscriptions: async () => (await request({ type: 'subscriptions' })).count,
          /**
           * Publishes a count-terminated stream once `afterSubscriptions` subscriptions have been
           * seen; resolves with `{ sent, seconds }` when it has all been handed to the socket.
           */
          publish: async (options) => {
            const result = await request({ type: 'publish', ...options });
            if (result.error !== undefined) throw new Error(result.error);
            return result;
          },
          stop: () =>
            new Promise((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              child.send({ type: 'stop' });
            }),
        });
        return;
      }
      const entry = waiting.get(message.id);
      if (entry === undefined) return;
      waiting.delete(message.id);
      entry.resolve(message);
    });
  });
