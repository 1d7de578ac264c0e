import { firstValueFrom } from 'rxjs';
import { startRelay } from '../../src/relay/start-relay.js';
import { connectNats } from '../../src/observables/transports/nats/connect-nats.js';
import { NatsTransport } from '../../src/observables/transports/nats/nats-transport.js';
import { startNatsServer } from '../helpers/nats-server';
import { waitFor } from '../helpers/live';
import { host } from '../helpers/relay-fixtures';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe('two hosts, two relays, one NATS server, one client connection', () => {
  it('reaches both instances through one NatsTransport; a relay that stops makes only its instance unreachable', async () => {
    const nats = await startNatsServer();
    closers.push(() => nats.kill());
    const a = await host(closers);
    const b = await host(closers);
    const relayA = await startRelay({ nats: { servers: nats.url }, registryDir: a.registryDir, pollIntervalMs: 50 });
    closers.push(() => relayA.close());
    const relayB = await startRelay({ nats: { servers: nats.url }, registryDir: b.registryDir, pollIntervalMs: 50 });
    closers.push(() => relayB.close());
    await waitFor(relayA.instances$, (ids) => ids.length === 1);
    await waitFor(relayB.instances$, (ids) => ids.length === 1);

    const transport = new NatsTransport({ servers: nats.url });
    const clientA = connectNats({ transport, instanceId: a.fake.instanceId, rpcTimeoutMs: 5000 });
    closers.push(() => clientA.close());
    const clientB = connectNats({ transport, instanceId: b.fake.instanceId, rpcTimeoutMs: 5000 });
    closers.push(() => clientB.close());

    const [pongA, pongB] = await Promise.all([firstValueFrom(clientA.ping()), firstValueFrom(clientB.ping())]);
    expect([pongA.instance_id, pongB.instance_id]).toEqual([a.fake.instanceId, b.fake.instanceId]);
    const heartbeatA = await waitFor(clientA.events$, (event) => event.topic === 'instance.heartbeat');
    const heartbeatB = await waitFor(clientB.events$, (event) => event.topic === 'instance.heartbeat');
    expect([heartbeatA.instanceId, heartbeatB.instanceId]).toEqual([a.fake.instanceId, b.fake.instanceId]);
    await waitFor(clientA.status$, (status) => status === 'alive');
    await waitFor(clientB.status$, (status) => status === 'alive');

    const statusesB: string[] = [];
    const watching = clientB.status$.subscribe((status) => statusesB.push(status));
    closers.push(() => watching.unsubscribe());
    await relayA.close();
    await waitFor(clientA.status$, (status) => status === 'unreachable');
    // B's relay still runs: B's events still flow and B was never unreachable or down.
    await waitFor(clientB.events$, (event) => event.topic === 'instance.heartbeat');
    expect(statusesB).not.toContain('unreachable');
    expect(statusesB).not.toContain('down');
    expect(statusesB[statusesB.length - 1]).toBe('alive');
  });
});
