// RPC: `instance.ping` round trips per second against the bench instance's ROUTER (a separate
// process that answers like Pando).
// - sequential: `ping()` of one RemoteControl (`connectControl`), one call at a time, versus a bare zeromq.js
//   DEALER doing the same JSON-RPC by hand (build the request, send `['', json]`, receive,
//   JSON.parse the reply, check its id and result);
// - concurrent: 64 calls in flight through one RemoteControl, versus its sequential figure.
//   A bare DEALER with 64 in flight is measured too, for reference.
import { createRequire } from 'node:module';
import { count, figure, loadLibrary, loadZeromq, median, nowNs, row } from './lib/common.mjs';
import { startInstance } from './lib/instance-client.mjs';

const require = createRequire(import.meta.url);

export const id = 'rpc';
export const SEQUENTIAL_BAR = 0.8;
export const CONCURRENT_BAR = 4;
export const IN_FLIGHT = 64;

/** A bare DEALER speaking JSON-RPC by hand, with any number of calls in flight. */
const bareClient = (zmq, endpoint) => {
  const dealer = new zmq.Dealer({ linger: 0 });
  dealer.connect(endpoint);
  const pending = new Map();
  let sending = Promise.resolve();
  let nextId = 0;
  void (async () => {
    try {
      for (;;) {
        const message = await dealer.receive();
        const reply = JSON.parse(message[message.length - 1].toString('utf8'));
        const resolve = pending.get(reply.id);
        if (resolve === undefined) throw new Error(`unexpected reply ${reply.id}`);
        pending.delete(reply.id);
        resolve(reply);
      }
    } catch (err) {
      if (!dealer.closed) throw err;
    }
  })();
  return {
    ping: async () => {
      const id = `bare-${++nextId}`;
      const json = JSON.stringify({ jsonrpc: '2.0', id, method: 'instance.ping', params: {} });
      const replied = new Promise((resolve) => pending.set(id, resolve));
      // zeromq.js allows one send in progress: chain them.
      sending = sending.then(() => dealer.send(['', json]));
      await sending;
      const reply = await replied;
      if (reply.result?.status !== 'ok') throw new Error(`bad reply ${JSON.stringify(reply)}`);
      return reply.result;
    },
    close: () => dealer.close(),
  };
};

/** `calls` calls of `ping`, `inFlight` at a time; calls/s. */
const drive = async (ping, calls, inFlight) => {
  let started = 0;
  const t0 = nowNs();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (started < calls) {
        started++;
        await ping();
      }
    }),
  );
  return (calls * 1e9) / (nowNs() - t0);
};

export const run = async (scale) => {
  const lib = loadLibrary();
  const zmq = loadZeromq();
  const { firstValueFrom } = require('rxjs');
  const calls = count(scale, 5_000, 100);
  const instance = await startInstance();
  try {
    const sides = {
      bareSequential: async () => {
        const client = bareClient(zmq, instance.rpc);
        await client.ping(); // connected
        const rate = await drive(client.ping, calls, 1);
        client.close();
        return rate;
      },
      bareConcurrent: async () => {
        const client = bareClient(zmq, instance.rpc);
        await client.ping();
        const rate = await drive(client.ping, calls, IN_FLIGHT);
        client.close();
        return rate;
      },
      sequential: async () => {
        const control = lib.connectControl(instance.rpc);
        const ping = () => firstValueFrom(control.ping());
        await ping(); // connected
        const rate = await drive(ping, calls, 1);
        control.close();
        return rate;
      },
      concurrent: async () => {
        const control = lib.connectControl(instance.rpc);
        const ping = () => firstValueFrom(control.ping());
        await ping();
        const rate = await drive(ping, calls, IN_FLIGHT);
        control.close();
        return rate;
      },
    };
    const names = Object.keys(sides);
    for (const name of names) await sides[name](); // warm-up
    const samples = Object.fromEntries(names.map((name) => [name, []]));
    for (let round = 0; round < scale.rounds; round++) {
      // Rotate the order, so that drift on a noisy machine hits every side alike.
      for (let k = 0; k < names.length; k++) {
        const name = names[(round + k) % names.length];
        samples[name].push(await sides[name]());
      }
    }
    const m = Object.fromEntries(names.map((name) => [name, median(samples[name])]));
    const sequentialRatio = m.sequential / m.bareSequential;
    const concurrentRatio = m.concurrent / m.sequential;
    const rounds = Object.fromEntries(names.map((name) => [name, samples[name].map(Math.round)]));
    return [
      row({
        id: 'rpc-sequential',
        name: 'RPC, sequential',
        baseline: figure(m.bareSequential, 'call/s'),
        subject: figure(m.sequential, 'call/s'),
        ratio: sequentialRatio,
        bar: `≥ ${SEQUENTIAL_BAR.toFixed(2)}`,
        pass: sequentialRatio >= SEQUENTIAL_BAR,
        details: { calls, rounds },
      }),
      row({
        id: 'rpc-concurrent',
        name: `RPC, ${IN_FLIGHT} in flight`,
        baseline: figure(m.sequential, 'call/s'),
        subject: figure(m.concurrent, 'call/s'),
        ratio: concurrentRatio,
        ratioText: `${concurrentRatio.toFixed(2)}×`,
        bar: `≥ ${CONCURRENT_BAR}×`,
        pass: concurrentRatio >= CONCURRENT_BAR,
        details: {
          calls,
          inFlight: IN_FLIGHT,
          bareConcurrent: Math.round(m.bareConcurrent),
          bareConcurrentVsBareSequential: Number((m.bareConcurrent / m.bareSequential).toFixed(2)),
          concurrentVsBareConcurrent: Number((m.concurrent / m.bareConcurrent).toFixed(2)),
        },
      }),
    ];
  } finally {
    await instance.stop();
  }
};
