// RPC: `instance.ping` round trips per second against the bench instance's ROUTER (a separate
// process that answers like Pando).
// - sequential: `ping()` of one RemoteControl (`connectControl`), one call at a time, versus a bare zeromq.js
//   DEALER doing the same JSON-RPC by hand (build the request, send `['', json]`, receive,
//   JSON.parse the reply, check its id and result);
// - concurrent: 64 calls in flight through one RemoteControl, versus its sequential figure.
//   A bare DEALER with 64 in flight is measured too, for reference.
// Every side also records each call's round trip (p50, p99) and the CPU time of the JS thread
// per call, which does not depend on how fast the ROUTER answers.
import { createRequire } from 'node:module';
import { count, figure, loadLibrary, loadZeromq, median, nowNs, percentile, quartiles, roundRatios, row, threadCpuKind, threadCpuNs } from './lib/common.mjs';
import { startInstance } from './lib/instance-client.mjs';

const require = createRequire(import.meta.url);

export const id = 'rpc';
export const SEQUENTIAL_BAR = 0.9;
/** JS-thread CPU per call, RemoteControl against the bare DEALER (sequential): at most. */
export const CPU_BAR = 1.3;
/** p99 of a call's round trip, RemoteControl against bare, sequential and in flight: at most. */
export const P99_BAR = 1.5;
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

/** `calls` calls of `ping`, `inFlight` at a time: calls/s, p50 and p99 round trip (µs), JS-thread CPU ns per call. */
const drive = async (ping, calls, inFlight) => {
  let started = 0;
  const times = new Float64Array(calls);
  let done = 0;
  const cpu0 = threadCpuNs();
  const t0 = nowNs();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (started < calls) {
        started++;
        const c0 = nowNs();
        await ping();
        times[done++] = nowNs() - c0;
      }
    }),
  );
  const elapsed = nowNs() - t0;
  const cpu = (threadCpuNs() - cpu0) / calls;
  return { rate: (calls * 1e9) / elapsed, p50: percentile(times, 50) / 1e3, p99: percentile(times, 99) / 1e3, cpu };
};

export const run = async (scale) => {
  const lib = loadLibrary();
  const zmq = loadZeromq();
  const { firstValueFrom } = require('rxjs');
  const calls = count(scale, 5_000, 100);
  const instance = await startInstance();
  try {
    // Each side connects, makes one call (connected), then drives `calls` calls `inFlight` at a time.
    const bareSide = (inFlight) => async () => {
      const client = bareClient(zmq, instance.rpc);
      await client.ping(); // connected
      const result = await drive(client.ping, calls, inFlight);
      client.close();
      return result;
    };
    const librarySide = (inFlight) => async () => {
      const control = lib.connectControl(instance.rpc);
      const ping = () => firstValueFrom(control.ping());
      await ping(); // connected
      const result = await drive(ping, calls, inFlight);
      control.close();
      return result;
    };
    const sides = {
      bareSequential: bareSide(1),
      bareConcurrent: bareSide(IN_FLIGHT),
      sequential: librarySide(1),
      concurrent: librarySide(IN_FLIGHT),
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
    const of = (name, key) => samples[name].map((x) => x[key]);
    const med = (name, key) => median(of(name, key));
    const sequentialRatio = med('sequential', 'rate') / med('bareSequential', 'rate');
    const concurrentRatio = med('concurrent', 'rate') / med('sequential', 'rate');
    const cpuRatio = med('sequential', 'cpu') / med('bareSequential', 'cpu');
    const spread = (base, subject, key) => quartiles(roundRatios(of(base, key), of(subject, key)));
    const rounds = Object.fromEntries(names.map((name) => [name, samples[name].map((x) => ({ rate: Math.round(x.rate), p50: Math.round(x.p50), p99: Math.round(x.p99), cpu: Math.round(x.cpu) }))]));
    const latencyUs = Object.fromEntries(names.map((name) => [name, [Math.round(med(name, 'p50')), Math.round(med(name, 'p99'))]]));
    const cpuNsPerCall = Object.fromEntries(names.map((name) => [name, Math.round(med(name, 'cpu'))]));
    const p99Text = (name) => `p99 ${med(name, 'p99').toFixed(0)} µs`;
    /** The p99 row of `subject` against `base`: the same shape, sequential and in flight. */
    const p99Row = (id, name, base, subject) => {
      const ratio = med(subject, 'p99') / med(base, 'p99');
      return row({
        id,
        name,
        baseline: { ...figure(med(base, 'p99'), 'µs'), text: p99Text(base) },
        subject: { ...figure(med(subject, 'p99'), 'µs'), text: p99Text(subject) },
        ratio,
        ratioText: `${ratio.toFixed(2)}×`,
        spread: spread(base, subject, 'p99'),
        bar: `≤ ${P99_BAR.toFixed(1)}×`,
        pass: ratio <= P99_BAR,
        details: { latencyUs },
      });
    };
    return [
      row({
        id: 'rpc-sequential',
        name: 'RPC, sequential',
        baseline: figure(med('bareSequential', 'rate'), 'call/s'),
        subject: figure(med('sequential', 'rate'), 'call/s'),
        ratio: sequentialRatio,
        spread: spread('bareSequential', 'sequential', 'rate'),
        bar: `≥ ${SEQUENTIAL_BAR.toFixed(2)}`,
        pass: sequentialRatio >= SEQUENTIAL_BAR,
        details: { calls, rounds, cpuKind: threadCpuKind(), cpuNsPerCall, latencyUs },
      }),
      row({
        id: 'rpc-cpu',
        name: 'CPU per call',
        baseline: figure(med('bareSequential', 'cpu') / 1e3, 'µs', 1),
        subject: figure(med('sequential', 'cpu') / 1e3, 'µs', 1),
        ratio: cpuRatio,
        ratioText: `${cpuRatio.toFixed(2)}×`,
        spread: spread('bareSequential', 'sequential', 'cpu'),
        bar: `≤ ${CPU_BAR.toFixed(1)}×`,
        pass: cpuRatio <= CPU_BAR,
        details: { cpuKind: threadCpuKind(), cpuNsPerCall },
      }),
      p99Row('rpc-p99', 'RPC p99, sequential', 'bareSequential', 'sequential'),
      row({
        id: 'rpc-concurrent',
        name: `RPC, ${IN_FLIGHT} in flight`,
        baseline: figure(med('sequential', 'rate'), 'call/s'),
        subject: figure(med('concurrent', 'rate'), 'call/s'),
        ratio: concurrentRatio,
        ratioText: `${concurrentRatio.toFixed(2)}×`,
        spread: spread('sequential', 'concurrent', 'rate'),
        bar: `≥ ${CONCURRENT_BAR}×`,
        pass: concurrentRatio >= CONCURRENT_BAR,
        details: {
          calls,
          inFlight: IN_FLIGHT,
          latencyUs,
          bareConcurrent: Math.round(med('bareConcurrent', 'rate')),
          bareConcurrentVsBareSequential: Number((med('bareConcurrent', 'rate') / med('bareSequential', 'rate')).toFixed(2)),
          concurrentVsBareConcurrent: Number((med('concurrent', 'rate') / med('bareConcurrent', 'rate')).toFixed(2)),
        },
      }),
      p99Row('rpc-p99-concurrent', `RPC p99, ${IN_FLIGHT} in flight`, 'bareConcurrent', 'concurrent'),
    ];
  } finally {
    await instance.stop();
  }
};
