import { filter, scan, type Subscription } from 'rxjs';
import { startRelay } from '../../src/relay/start-relay.js';
import { watchFleet, type FleetChange, type FleetEvent } from '../../src/observables/fleet';
import { connect } from '../../src/observables/connect';
import { startNatsServer, type NatsServer } from '../helpers/nats-server';
import { waitFor } from '../helpers/live';
import { registryEntryOf } from '../helpers/registry';
import { host } from '../helpers/relay-fixtures';
import { startRelayProcess } from '../helpers/relay-process';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const natsServer = async (): Promise<NatsServer> => {
  const nats = await startNatsServer();
  closers.push(() => nats.kill());
  return nats;
};

/** Every change of the fleet, kept from now on. */
const recordChanges = (changes$: ReturnType<typeof watchFleet>['changes$']): FleetChange[] => {
  const changes: FleetChange[] = [];
  const subscription: Subscription = changes$.subscribe((change) => changes.push(change));
  closers.push(() => subscription.unsubscribe());
  return changes;
};

/** The ids of the members after each change. */
const members$ = (fleet: ReturnType<typeof watchFleet>) =>
  fleet.changes$.pipe(
    scan((ids, change) => {
      const next = new Set(ids);
      if (change.kind === 'joined') next.add(change.instance.instance_id);
      else next.delete(change.instance.instance_id);
      return next;
    }, new Set<string>()),
  );

describe('watchFleet({ nats }) (real nats-server, relays for two hosts)', () => {
  it('one client sees the instances of both hosts (members learnt at subscribe time), their events and their mirrors', async () => {
    const nats = await natsServer();
    const a = await host(closers);
    const b = await host(closers);
    for (const { registryDir } of [a, b]) {
      const relay = await startRelay({ nats: { servers: nats.url }, registryDir, pollIntervalMs: 50, host: registryDir });
      closers.push(() => relay.close());
      await waitFor(relay.instances$, (ids) => ids.length === 1);
    }

    // Both relays run already: the fleet asks them to announce what they serve.
    const fleet = watchFleet({ nats: { servers: nats.url } });
    const ids = [a.fake.instanceId, b.fake.instanceId].sort();
    const members = await waitFor(members$(fleet), (set) => set.size === 2);
    expect([...members].sort()).toEqual(ids);

    const joined = await waitFor(fleet.changes$, (change) => change.kind === 'joined' && change.instance.instance_id === a.fake.instanceId);
    expect(joined.instance).toMatchObject({ path: registryEntryOf(a.fake).path, pid: registryEntryOf(a.fake).pid, file: `nats:${a.registryDir}`, pubEndpoint: a.fake.instanceId });

    const from = new Set<string>();
    await waitFor(
      fleet.events$.pipe(filter((event: FleetEvent) => event.event.topic === 'instance.heartbeat' && from.add(event.instance.instance_id).size === 2)),
    );
    expect([...from].sort()).toEqual(ids);
    const mirrors = await waitFor(fleet.mirrors$, (map) => map.size === 2);
    expect([...mirrors.keys()].sort()).toEqual(ids);
  });

  it('a relay process killed (SIGKILL, no leave) takes its instance out of the fleet after its silence, the other stays; a new relay brings it back', async () => {
    const nats = await natsServer();
    const a = await host(closers);
    const b = await host(closers);
    const relayB = await startRelay({ nats: { servers: nats.url }, registryDir: b.registryDir, pollIntervalMs: 50, statusIntervalMs: 100 });
    closers.push(() => relayB.close());
    const relayA = await startRelayProcess(nats.url, a.registryDir, 100);
    closers.push(() => relayA.kill());

    const fleet = watchFleet({ nats: { servers: nats.url } });
    const changes = recordChanges(fleet.changes$);
    await waitFor(members$(fleet), (set) => set.size === 2);

    await relayA.kill();
    const left = await waitFor(fleet.changes$, (change) => change.kind === 'left');
    expect(left.instance.instance_id).toBe(a.fake.instanceId);
    expect(changes.filter((change) => change.kind === 'left' && change.instance.instance_id === b.fake.instanceId)).toEqual([]);

    const again = await startRelayProcess(nats.url, a.registryDir, 100);
    closers.push(() => again.kill());
    const rejoined = await waitFor(fleet.changes$, (change) => change.kind === 'joined' && change.instance.instance_id === a.fake.instanceId);
    // Its member is a live instance again: events flow through the new relay.
    if (rejoined.kind === 'joined') await waitFor(rejoined.remote.events$, (event) => event.topic === 'instance.heartbeat');
    expect(changes.filter((change) => change.instance.instance_id === b.fake.instanceId).map((change) => change.kind)).toEqual(['joined']);
  });

  it('connect({ nats: { servers, instanceId } }) is connectNats: the same instance through the relay', async () => {
    const nats = await natsServer();
    const a = await host(closers);
    const relay = await startRelay({ nats: { servers: nats.url }, registryDir: a.registryDir, pollIntervalMs: 50 });
    closers.push(() => relay.close());
    const pando = connect({ nats: { servers: nats.url, instanceId: a.fake.instanceId }, rpcTimeoutMs: 5000 });
    closers.push(() => pando.close());
    expect(pando.resolution).toBeUndefined();
    await waitFor(pando.status$, (status) => status === 'alive');
    expect((await waitFor(pando.events$, (event) => event.topic === 'instance.heartbeat')).instanceId).toBe(a.fake.instanceId);
  });
});
