// The NATS benchmark's relay: `startRelay()` of the built library in a process of its own, so
// that its CPU time is its own. It relays one instance (given in the environment, not read from
// a registry) to the NATS server, and answers its parent over IPC (child_process.fork):
//
//   ← { type: 'ready' } once connected to NATS
//   → { type: 'usage', id }   ← { type: 'usage', id, cpuNs, published, dropped }
//   → { type: 'stop' }        (closes the relay and exits)
//
// cpuNs is the whole process's user + system time (`process.cpuUsage()`): the JS thread, libzmq's
// I/O thread and V8's helpers, everything one relay costs its host.
import { of } from 'rxjs';
import { loadLibrary, processCpuNs as cpuNs } from './common.mjs';
import { INSTANCE_ID } from './frames.mjs';

const lib = loadLibrary();
const { BENCH_NATS_URL, BENCH_PUB, BENCH_RPC } = process.env;
const portOf = (endpoint) => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));

const instance = {
  instance_id: INSTANCE_ID,
  path: '/bench',
  pid: process.ppid,
  pub_port: portOf(BENCH_PUB),
  rpc_port: portOf(BENCH_RPC),
  started_at: new Date(),
  mode: 'noninteractive',
  is_primary: true,
  file: `/bench/${INSTANCE_ID}.json`,
  pubEndpoint: BENCH_PUB,
  rpcEndpoint: BENCH_RPC,
};

const relay = await lib.startRelay({
  nats: { servers: BENCH_NATS_URL },
  listing$: of({ instances: [instance], stale: [], invalid: [] }),
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await relay.close();
  if (process.connected) process.disconnect();
};

process.on('message', (message) => {
  if (message.type === 'usage') {
    const { published, dropped } = relay.counts;
    process.send({ type: 'usage', id: message.id, cpuNs: cpuNs(), published, dropped });
  } else if (message.type === 'stop') {
    void stop();
  }
});
process.on('disconnect', () => void stop());
process.send({ type: 'ready' });
