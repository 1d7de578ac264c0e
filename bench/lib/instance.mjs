// The benchmarks' instance: a separate process with an XPUB socket (Pando's PUB, plus the
// subscriptions coming back so that we know when a subscriber is there) and a ROUTER that
// answers JSON-RPC like Pando. Driven by its parent over IPC (child_process.fork):
//
//   → { type: 'subscriptions', id }                  ← { type: 'subscriptions', id, count }
//   → { type: 'publish', id, kind, count, rate, lossless, sessions, afterSubscriptions }
//                                                    ← { type: 'published', id, sent, seconds }
//   → { type: 'stop' }                               (closes the sockets and exits)
//   ← { type: 'ready', pub, rpc } once bound (ports from `lastEndpoint`).
//
// kind: 'token' (llm.token, cycling 1024 distinct frames), 'stamped' (llm.token carrying its
// send time), 'session' (session.update over `sessions` sessions). rate: events/s, 0 = as fast
// as possible. lossless: wait when the subscriber's queue is full (ZMQ_XPUB_NODROP) instead of
// dropping, as a PUB socket does by default. Every stream ends with end frames, repeated until
// the next command (see `endStream`); `seconds` is the time taken to send the data.
import { createRequire } from 'node:module';
import { endFrame, sessionUpdateFrame, snapshotSessions, stampedTokenFrame, tokenFrames, INSTANCE_ID } from './frames.mjs';

const require = createRequire(import.meta.url);

// ZMQ_XPUB_NODROP takes effect at once (libzmq reads it on every send), but zeromq.js warns
// for any option set after bind: keep that one warning quiet, pass on the others.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!/will not take effect until next connect\/bind/.test(warning.message)) console.warn(warning);
});
const zmq = require('zeromq');

const nowNs = () => Number(process.hrtime.bigint());
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

const pub = new zmq.XPublisher({ linger: 0 });
pub.verbosity = 'allSubs'; // pass on every subscription, duplicates included: one per subscriber
const router = new zmq.Router({ linger: 0 });
await pub.bind('tcp://127.0.0.1:*');
await router.bind('tcp://127.0.0.1:*');

let subscriptions = 0;
const subscriptionWaiters = [];
void (async () => {
  try {
    for (;;) {
      const [message] = await pub.receive();
      if (message !== undefined && message[0] === 1) {
        subscriptions++;
        for (const waiter of subscriptionWaiters.splice(0)) waiter();
      }
    }
  } catch {
    // closed
  }
})();

const SNAPSHOT_SESSIONS = Number(process.env.BENCH_SNAPSHOT_SESSIONS ?? '100');
const resultOf = (method) => {
  switch (method) {
    case 'instance.ping':
      return { status: 'ok', instance_id: INSTANCE_ID, uptime: '1h2m3s' };
    case 'state.sync':
      return { sessions: snapshotSessions(SNAPSHOT_SESSIONS), instance_id: INSTANCE_ID };
    case 'session.list':
      return snapshotSessions(SNAPSHOT_SESSIONS);
    default:
      return undefined;
  }
};
void (async () => {
  try {
    for (;;) {
      const message = await router.receive();
      const request = JSON.parse(message[message.length - 1].toString('utf8'));
      const id = typeof request.id === 'string' ? request.id : '';
      const result = resultOf(request.method);
      const reply =
        result === undefined
          ? { jsonrpc: '2.0', id, error: { code: -32601, message: 'ipc: method not found' } }
          : { jsonrpc: '2.0', id, result };
      await router.send([message[0], '', JSON.stringify(reply)]);
    }
  } catch {
    // closed
  }
})();

/** Sends one frame; lossless: retries while the subscriber's queue is full (EAGAIN). */
const send = async (frame, lossless) => {
  for (;;) {
    try {
      await pub.send(frame);
      return;
    } catch (err) {
      if (!lossless || err.code !== 'EAGAIN') throw err;
      await pause(1);
    }
  }
};

const tokens = tokenFrames(1024);
const SPIN = process.env.BENCH_PACING === 'spin';
/** Never notified: `Atomics.wait` on it is a sleep with a sub-millisecond timeout. */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

const debug = process.env.BENCH_DEBUG ? (...a) => console.error('[instance]', ...a) : () => undefined;

const publish = async ({ kind, count, rate = 0, lossless = false, sessions = 100, afterSubscriptions = 0 }) => {
  debug('publish', kind, count, 'subs', subscriptions, 'waiting for', afterSubscriptions);
  while (subscriptions < afterSubscriptions) await new Promise((r) => subscriptionWaiters.push(r));
  debug('start');
  await endLoop; // the end frames of the last stream have stopped (one send at a time)
  await pause(5); // the subscription is in; let the subscriber's side settle
  if (lossless !== pub.noDrop) pub.noDrop = lossless;
  const frameAt = kind === 'session' ? (i) => sessionUpdateFrame(i, sessions) : kind === 'stamped' ? null : (i) => tokens[i & 1023];
  const intervalNs = rate > 0 ? 1e9 / rate : 0;
  const started = nowNs();
  for (let i = 0; i < count; i++) {
    if (intervalNs > 0) {
      const due = started + i * intervalNs;
      // Pace without holding a core: sleep while far from the due time, then block the
      // thread (Atomics.wait) for the last stretch. The kernel wakes it late (a 20 µs wait
      // takes ~105 µs here, p99 ~170 µs: timer slack), and then the frames that are due go out
      // in a run, each stamped when it is sent: at 50,000/s about 5 at a time.
      // BENCH_PACING=spin spins the last stretch instead (the pacing before issue 13's fourth
      // pass): exact, but on a 2-core machine it leaves the subscriber one core to share.
      while (due - nowNs() > 2e6) await pause(1);
      if (SPIN) {
        while (nowNs() < due) {
          // spin
        }
      } else {
        const wait = due - nowNs();
        if (wait > 0) Atomics.wait(sleeper, 0, 0, wait / 1e6);
      }
    }
    await send(frameAt === null ? stampedTokenFrame(i, nowNs()) : frameAt(i), lossless);
  }
  const seconds = (nowNs() - started) / 1e9;
  debug('sent', count, 'in', seconds);
  if (lossless) pub.noDrop = false;
  endStream(count);
  return { sent: count, seconds };
};

/**
 * Sends the end frame every 10 ms until the parent's next command (or 30 s). One end frame is
 * not enough: a PUB socket that dropped frames has set the subscriber's pipe aside until its
 * I/O thread reports room again, and whatever is sent meanwhile, with ZMQ_XPUB_NODROP or not,
 * goes nowhere.
 */
let ending = 0;
let endLoop = Promise.resolve();
const endStream = (sent) => {
  const mine = ++ending;
  const frame = endFrame(sent);
  const until = Date.now() + 30_000;
  endLoop = (async () => {
    while (ending === mine && Date.now() < until) {
      try {
        await pub.send(frame);
      } catch {
        // full, or closed: try again, or stop below
      }
      await pause(10);
    }
  })();
};

process.on('message', (message) => {
  ending++; // any command ends the end frames of the last stream
  if (message.type === 'subscriptions') {
    process.send({ type: 'subscriptions', id: message.id, count: subscriptions });
  } else if (message.type === 'publish') {
    publish(message).then(
      (result) => process.send({ type: 'published', id: message.id, ...result }),
      (err) => process.send({ type: 'published', id: message.id, error: String(err?.stack ?? err) }),
    );
  } else if (message.type === 'stop') {
    pub.close();
    router.close();
    process.disconnect();
  }
});
process.on('disconnect', () => {
  if (!pub.closed) pub.close();
  if (!router.closed) router.close();
});

process.send({ type: 'ready', pub: pub.lastEndpoint, rpc: router.lastEndpoint });
