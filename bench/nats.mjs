// Beyond one machine (issue 14): the same instance process, read through `connect()` over
// ZeroMQ directly (baseline) and through a relay + a NATS server with `connectNats()` (subject),
// rounds alternating. Each NATS round forks a fresh relay process (`startRelay()` of the built
// library, bench/lib/relay.mjs) against a `nats-server` (Debian package, free loopback port,
// store in a temporary folder), so that no relay reads the instance during a direct round.
//
// Rows: events/s of a burst sent as fast as the publisher can; p50/p99 of publish → callback at
// 10,000 events/s; and what the relay process costs, in CPU time (user + system, every thread)
// per 10,000 events/s relayed, beside what the direct client process costs for the same stream.
// Both sides are the library's, so the ratios are the price of the extra hops, not of decoding.
//
// Before each round the instance repeats its end frame until the client has seen one: the whole
// path (the relay's SUB socket, the NATS subscriptions) is then live, with no fixed sleep.
import { readFileSync } from 'node:fs';
import { alternate, count, figure, loadLibrary, median, nowNs, percentile, processCpuNs, quartiles, roundRatios, row } from './lib/common.mjs';
import { END_TOPIC, INSTANCE_ID, stampOfToken } from './lib/frames.mjs';
import { startInstance } from './lib/instance-client.mjs';
import { startNatsServer, startRelayProcess } from './lib/nats-side.mjs';
import { awaitEnd } from './lib/streams.mjs';

export const id = 'nats';
/** The paced stream's rate (events/s). */
export const RATE = 10_000;
const PRIME_GUARD_MS = 15_000;

/** user + system CPU time of another process, in ns (Linux: /proc/<pid>/stat, clock ticks of 10 ms); NaN elsewhere. */
const otherProcessCpuNs = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 1e7;
  } catch {
    return NaN;
  }
};

/** CPU ns per event → share of one core (%) that 10,000 events/s cost. */
const percentPer10k = (nsPerEvent) => (nsPerEvent * 10_000 * 100) / 1e9;

export const run = async (scale) => {
  const lib = loadLibrary();
  const burst = count(scale, 100_000, 200);
  const paced = count(scale, 20_000, 200);
  const instance = await startInstance();
  let nats;
  try {
    nats = await startNatsServer();
    const natsUrl = nats.url;

    /**
     * One round: `side` is 'direct' or 'nats'; `stamped` selects the paced, time-stamped stream
     * (latency) instead of the burst (throughput).
     */
    const round = async (side, stamped) => {
      const events = stamped ? paced : burst;
      const relay = side === 'nats' ? await startRelayProcess({ natsUrl, pub: instance.pub, rpc: instance.rpc }) : undefined;
      const pando =
        side === 'nats'
          ? lib.connectNats({ nats: { servers: natsUrl }, instanceId: INSTANCE_ID })
          : lib.connect({ pubEndpoint: instance.pub, rpcEndpoint: instance.rpc });
      const latencies = new Float64Array(stamped ? events : 0);
      let phase = 'priming';
      let received = 0;
      let firstNs = 0;
      let resolvePrimed;
      let resolveFinished;
      const primed = new Promise((r) => (resolvePrimed = r));
      const finished = new Promise((r) => (resolveFinished = r));
      const subscription = pando.events$.subscribe((event) => {
        if (event.topic === END_TOPIC) {
          if (phase === 'priming') {
            phase = 'primed';
            resolvePrimed();
          } else if (phase === 'data') resolveFinished(nowNs());
          return;
        }
        if (phase === 'priming' || received >= events) return;
        phase = 'data';
        const now = nowNs();
        if (received === 0) firstNs = now;
        if (stamped) latencies[received] = now - stampOfToken(event.payload.token);
        if (++received === events) resolveFinished(now);
      });
      try {
        await instance.publish({ kind: 'token', count: 0 }); // end frames until the next command
        let guard;
        await Promise.race([
          primed,
          new Promise((_, reject) => (guard = setTimeout(() => reject(new Error(`nats bench: no end frame through ${side} within ${PRIME_GUARD_MS} ms`)), PRIME_GUARD_MS))),
        ]).finally(() => clearTimeout(guard));
        const relay0 = await relay?.usage();
        const server0 = side === 'nats' ? otherProcessCpuNs(nats.pid) : NaN;
        const cpu0 = processCpuNs();
        const published = instance.publish({ kind: stamped ? 'stamped' : 'token', count: events, rate: stamped ? RATE : 0 });
        const ended = await awaitEnd({ finished, published, progress: () => received });
        if (!ended) resolveFinished(nowNs());
        const endNs = await finished;
        const clientCpu = processCpuNs() - cpu0;
        const relay1 = await relay?.usage();
        const serverCpu = side === 'nats' ? otherProcessCpuNs(nats.pid) - server0 : NaN;
        const { sent } = await published;
        const us = latencies.subarray(0, received);
        return {
          received,
          sent,
          rate: received > 1 && endNs > firstNs ? ((received - 1) * 1e9) / (endNs - firstNs) : 0,
          p50: stamped ? percentile(us, 50) / 1e3 : NaN,
          p99: stamped ? percentile(us, 99) / 1e3 : NaN,
          clientNsPerEvent: clientCpu / Math.max(1, received),
          relayNsPerEvent: relay === undefined ? NaN : (relay1.cpuNs - relay0.cpuNs) / Math.max(1, relay1.published - relay0.published),
          relayed: relay === undefined ? NaN : relay1.published - relay0.published,
          relayDropped: relay === undefined ? NaN : relay1.dropped - relay0.dropped,
          serverNsPerEvent: serverCpu / Math.max(1, received),
        };
      } finally {
        subscription.unsubscribe();
        pando.close();
        await relay?.stop();
      }
    };

    const burstSamples = await alternate({ rounds: scale.rounds, baseline: () => round('direct', false), subject: () => round('nats', false) });
    const pacedSamples = await alternate({ rounds: scale.rounds, baseline: () => round('direct', true), subject: () => round('nats', true) });

    const pick = (list, key) => median(list.map((s) => s[key]));
    const per = (list, key) => list.map((s) => s[key]);
    const spreadOf = (samples, key) => quartiles(roundRatios(per(samples.baseline, key), per(samples.subject, key)));
    const share = (list) => list.map((s) => `${s.received}/${s.sent}`).join(' ');

    const directRate = pick(burstSamples.baseline, 'rate');
    const natsRate = pick(burstSamples.subject, 'rate');
    const latencyText = (list) => `p50 ${pick(list, 'p50').toFixed(0)} µs, p99 ${pick(list, 'p99').toFixed(0)} µs`;
    const directP99 = pick(pacedSamples.baseline, 'p99');
    const natsP99 = pick(pacedSamples.subject, 'p99');
    const directCpu = percentPer10k(pick(pacedSamples.baseline, 'clientNsPerEvent'));
    const relayCpu = percentPer10k(pick(pacedSamples.subject, 'relayNsPerEvent'));
    const percentText = (value) => `${value.toFixed(1)} % of a core`;
    const round0 = (list) => list.map((x) => Math.round(x));
    return [
      row({
        id: 'nats-throughput',
        name: 'NATS: events/s',
        baseline: figure(directRate, 'ev/s'),
        subject: figure(natsRate, 'ev/s'),
        ratio: natsRate / directRate,
        spread: spreadOf(burstSamples, 'rate'),
        bar: 'reported',
        pass: null,
        details: {
          events: burst,
          directRates: round0(per(burstSamples.baseline, 'rate')),
          natsRates: round0(per(burstSamples.subject, 'rate')),
          directReceivedOfSent: share(burstSamples.baseline),
          natsReceivedOfSent: share(burstSamples.subject),
          relayDropped: per(burstSamples.subject, 'relayDropped'),
        },
      }),
      row({
        id: 'nats-latency',
        name: 'NATS: latency (10k/s)',
        baseline: { ...figure(directP99, 'µs'), text: latencyText(pacedSamples.baseline) },
        subject: { ...figure(natsP99, 'µs'), text: latencyText(pacedSamples.subject) },
        ratio: natsP99 / directP99,
        ratioText: `${(natsP99 / directP99).toFixed(2)}×`,
        spread: spreadOf(pacedSamples, 'p99'),
        bar: 'p99, reported',
        pass: null,
        details: {
          rate: RATE,
          events: paced,
          direct: { p50: pick(pacedSamples.baseline, 'p50'), p99: directP99, rounds: per(pacedSamples.baseline, 'p99') },
          nats: { p50: pick(pacedSamples.subject, 'p50'), p99: natsP99, rounds: per(pacedSamples.subject, 'p99') },
          directReceivedOfSent: share(pacedSamples.baseline),
          natsReceivedOfSent: share(pacedSamples.subject),
        },
      }),
      row({
        id: 'nats-relay-cpu',
        name: 'NATS: relay CPU per 10k ev/s',
        baseline: { ...figure(directCpu, '%', 1), text: `direct client ${percentText(directCpu)}` },
        subject: { ...figure(relayCpu, '%', 1), text: `relay ${percentText(relayCpu)}` },
        ratio: relayCpu / directCpu,
        ratioText: `${(relayCpu / directCpu).toFixed(2)}×`,
        spread: quartiles(roundRatios(per(pacedSamples.baseline, 'clientNsPerEvent'), per(pacedSamples.subject, 'relayNsPerEvent'))),
        bar: 'reported',
        pass: null,
        details: {
          cpuKind: 'process (cpuUsage: every thread)',
          relayNsPerEvent: round0(per(pacedSamples.subject, 'relayNsPerEvent')),
          directClientNsPerEvent: round0(per(pacedSamples.baseline, 'clientNsPerEvent')),
          natsClientNsPerEvent: round0(per(pacedSamples.subject, 'clientNsPerEvent')),
          natsServerNsPerEvent: round0(per(pacedSamples.subject, 'serverNsPerEvent')),
          natsClientPercentPer10k: percentPer10k(pick(pacedSamples.subject, 'clientNsPerEvent')),
          natsServerPercentPer10k: percentPer10k(pick(pacedSamples.subject, 'serverNsPerEvent')),
          relayed: per(pacedSamples.subject, 'relayed'),
        },
      }),
    ];
  } finally {
    await nats?.stop();
    await instance.stop();
  }
};
