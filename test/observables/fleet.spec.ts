import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, filter, firstValueFrom } from 'rxjs';
import { startFakeInstance, type FakeInstance } from '../../src/testing';
import { watchFleet, type FleetChange, type FleetEvent } from '../../src/observables/fleet';
import type { InstanceInfo, InstanceListing } from '../../src/observables/discovery/registry.js';
import { waitFor } from '../helpers/live';
import { registryEntryOf } from '../helpers/registry';

const entryOf = (fake: FakeInstance, primary = true) => registryEntryOf(fake, { is_primary: primary });

const infoOf = (fake: FakeInstance): InstanceInfo => ({
  ...entryOf(fake),
  mode: 'tui',
  started_at: new Date('2026-03-01T10:00:00Z'),
  file: `/registry/${fake.instanceId}.json`,
  pubEndpoint: fake.pubEndpoint,
  rpcEndpoint: fake.rpcEndpoint,
});

describe('watchFleet', () => {
  const fakes: FakeInstance[] = [];
  afterEach(async () => {
    for (const fake of fakes.splice(0)) await fake.stop({ silent: true });
  });
  const start = async (): Promise<FakeInstance> => {
    const fake = await startFakeInstance({ heartbeatIntervalMs: 0 });
    fakes.push(fake);
    return fake;
  };

  it('joins instances as they appear, tags their events, and lets go of those that vanish', async () => {
    const [a, b] = [await start(), await start()];
    const listing$ = new Subject<InstanceListing>();
    const fleet = watchFleet({ listing$, connect: { rpcTimeoutMs: 5000 } });
    const changes: FleetChange[] = [];
    const events: FleetEvent[] = [];
    const subs = [fleet.changes$.subscribe((c) => changes.push(c)), fleet.events$.subscribe((e) => events.push(e))];
    const mirrors = waitFor(fleet.mirrors$, (m) => m.size === 2);
    listing$.next({ instances: [infoOf(a), infoOf(b)], stale: [], invalid: [] });
    expect(changes.map((c) => `${c.kind}:${c.instance.instance_id}`)).toEqual([`joined:${a.instanceId}`, `joined:${b.instanceId}`]);
    const both = await mirrors;
    expect([...both.keys()].sort()).toEqual([a.instanceId, b.instanceId].sort());

    // Each instance's events arrive tagged with that instance.
    const fromB = waitFor(fleet.events$, ({ event }) => event.topic === 'llm.start');
    await b.publishTopic('llm.start', { session_id: 'sb' });
    expect((await fromB).instance.instance_id).toBe(b.instanceId);

    // a vanishes from the registry: it leaves, its RemoteInstance is closed, b stays.
    const remoteA = changes.find((c) => c.kind === 'joined' && c.instance.instance_id === a.instanceId);
    const mirrorsAfter = waitFor(fleet.mirrors$, (m) => m.size === 1);
    listing$.next({ instances: [infoOf(b)], stale: [], invalid: [] });
    expect(changes.at(-1)).toMatchObject({ kind: 'left', instance: { instance_id: a.instanceId } });
    expect([...(await mirrorsAfter).keys()]).toEqual([b.instanceId]);
    let closed = false;
    if (remoteA?.kind === 'joined') remoteA.remote.events$.subscribe({ complete: () => (closed = true) });
    expect(closed).toBe(true);

    events.length = 0;
    const marker = waitFor(fleet.events$, ({ event }) => event.topic === 'llm.end');
    await a.publishTopic('llm.start', { session_id: 'gone' });
    await b.publishTopic('llm.end', { session_id: 'sb', tokens_in: 0, tokens_out: 0 });
    await marker;
    expect(events.map((e) => e.instance.instance_id)).toEqual([b.instanceId]);

    for (const s of subs) s.unsubscribe();
    // Last subscriber gone: every member was let go.
    expect(changes.filter((c) => c.kind === 'left')).toHaveLength(1);
  });

  it('follows a registry directory: a file added joins, a file removed leaves', async () => {
    const registryDir = mkdtempSync(join(tmpdir(), 'pando-rx-fleet-'));
    try {
      const a = await start();
      const b = await start();
      writeFileSync(join(registryDir, `${a.instanceId}.json`), JSON.stringify(entryOf(a)));
      const fleet = watchFleet({ registryDir, pollIntervalMs: 50, connect: { rpcTimeoutMs: 5000 } });
      const changes: FleetChange[] = [];
      const sub = fleet.changes$.subscribe((c) => changes.push(c));
      const bJoined = firstValueFrom(fleet.changes$.pipe(filter((c) => c.kind === 'joined' && c.instance.instance_id === b.instanceId)));
      writeFileSync(join(registryDir, `${b.instanceId}.json`), JSON.stringify(entryOf(b, false)));
      await bJoined;
      const aLeft = firstValueFrom(fleet.changes$.pipe(filter((c) => c.kind === 'left')));
      unlinkSync(join(registryDir, `${a.instanceId}.json`));
      expect((await aLeft).instance.instance_id).toBe(a.instanceId);
      expect(changes.map((c) => `${c.kind}:${c.instance.instance_id}`)).toEqual([
        `joined:${a.instanceId}`,
        `joined:${b.instanceId}`,
        `left:${a.instanceId}`,
      ]);
      sub.unsubscribe();
    } finally {
      rmSync(registryDir, { recursive: true, force: true });
    }
  });
});
