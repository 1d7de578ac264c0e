import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplaySubject, firstValueFrom } from 'rxjs';
import WebSocket from 'ws';
import { startBridge, type Bridge } from '../../src/bridge/start-bridge';
import { connectBrowser } from '../../src/observables/connect-browser';
import type { RemoteInstance } from '../../src/observables/remote-instance';
import { watchBridgeFleet, type BridgeFleet } from '../../src/observables/watch-bridge-fleet';
import { startFakeInstance, type FakeInstance } from '../../src/testing';
import { waitFor } from '../helpers/live';
import { registryEntryOf } from '../helpers/registry';
import { rawClient, refusedWith } from './helpers';

const session = (id: string, title: string) => ({ id, title, updated_at: new Date('2026-03-01T10:00:00Z'), message_count: 0 });

describe('a fleet bridge (pando-rx bridge --fleet), with fake instances in a temp registry (loopback)', () => {
  let registryDir: string;
  const fakes: FakeInstance[] = [];
  const bridges: Bridge[] = [];
  const remotes: RemoteInstance[] = [];
  const sockets: WebSocket[] = [];

  const fake = async (title: string): Promise<FakeInstance> => {
    const started = await startFakeInstance({ heartbeatIntervalMs: 0, tokenIntervalMs: 0, sessions: [session(`s-${title}`, title)] });
    fakes.push(started);
    return started;
  };
  const register = (instance: FakeInstance): void =>
    writeFileSync(join(registryDir, `${instance.instanceId}.json`), JSON.stringify(registryEntryOf(instance, { path: `/work/${instance.instanceId}` })));
  const fleetBridge = async (): Promise<Bridge> => {
    const started = await startBridge({ fleet: true, registryDir, pollIntervalMs: 50 }, { port: 0, warn: () => undefined });
    bridges.push(started);
    return started;
  };
  const browser = (b: Bridge, instance?: string): RemoteInstance => {
    const remote = connectBrowser({ url: b.url, token: b.token, WebSocket, rpcTimeoutMs: 5000, ...(instance === undefined ? {} : { instance }) });
    remotes.push(remote);
    return remote;
  };
  const fleetOf = (b: Bridge) => watchBridgeFleet({ url: b.url, token: b.token, WebSocket, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
  const ids = (fleet: BridgeFleet): string[] => fleet.members.map((member) => member.id).sort();
  /** Every fleet the browser sees, as a list and replayed; the caller unsubscribes `watching`. */
  const watchFleet = (b: Bridge) => {
    const seen: BridgeFleet[] = [];
    const seen$ = new ReplaySubject<BridgeFleet>();
    const watching = fleetOf(b).subscribe((f) => (seen.push(f), seen$.next(f)));
    return { seen, seen$, watching };
  };

  beforeEach(() => {
    registryDir = mkdtempSync(join(tmpdir(), 'pando-rx-bridge-fleet-'));
  });

  afterEach(async () => {
    for (const remote of remotes.splice(0)) remote.close();
    for (const ws of sockets.splice(0)) ws.terminate();
    for (const b of bridges.splice(0)) await b.close();
    for (const f of fakes.splice(0)) await f.stop({ silent: true });
    rmSync(registryDir, { recursive: true, force: true });
  });

  it('lists the fleet and serves each instance to the browser that names it', async () => {
    const a = await fake('alpha');
    const b = await fake('beta');
    register(a);
    register(b);
    const bridge = await fleetBridge();
    expect(bridge.fleet).toBe(true);

    const fleet = await waitFor(fleetOf(bridge), (f) => f.members.length === 2);
    expect(fleet.reachable).toBe(true);
    expect(ids(fleet)).toEqual([a.instanceId, b.instanceId].sort());
    expect(fleet.members.find((m) => m.id === a.instanceId)).toEqual({
      id: a.instanceId,
      workdir: `/work/${a.instanceId}`,
      pid: process.pid,
      mode: 'tui',
      primary: true,
      startedAt: '2026-03-01T10:00:00.000Z',
      pubPort: a.pubPort,
      rpcPort: a.rpcPort,
    });

    // Each instance through its own RemoteInstance: its own sessions, its own live events.
    const toA = browser(bridge, a.instanceId);
    const toB = browser(bridge, b.instanceId);
    expect((await firstValueFrom(toA.listSessions())).map((s) => s.title)).toEqual(['alpha']);
    expect((await firstValueFrom(toB.listSessions())).map((s) => s.title)).toEqual(['beta']);
    const mirrorB = await waitFor(toB.mirror$, (m) => m.size === 1);
    expect(mirrorB.sessions[0]?.title).toBe('beta');
  });

  it('refuses a connection that names no instance (400) or one not in the fleet (404); the fleet side needs the token too', async () => {
    const a = await fake('alpha');
    register(a);
    const bridge = await fleetBridge();
    const token = encodeURIComponent(bridge.token);
    expect(await refusedWith(`${bridge.url}?side=events&token=${token}`)).toBe(400);
    expect(await refusedWith(`${bridge.url}?side=requests&token=${token}&instance=nope`)).toBe(404);
    expect(await refusedWith(`${bridge.url}?side=fleet`)).toBe(401);
    expect(bridge.stats().refusedConnections).toBe(3);
    // A message on the fleet side is refused and counted; the connection stays.
    const raw = rawClient(`${bridge.url}?side=fleet&token=${token}`);
    sockets.push(raw.ws);
    await raw.next((m) => m.type === 'members');
    raw.ws.send('{"type":"subscribe","prefix":""}');
    expect(await raw.next((m) => m.type === 'error')).toMatchObject({ code: 'bad-message' });
    expect(bridge.stats().refusedMessages).toBe(1);
  });

  it('tells who joined and who left, and closes the connections of an instance that left', async () => {
    const a = await fake('alpha');
    const b = await fake('beta');
    register(a);
    const bridge = await fleetBridge();
    const { seen, seen$, watching } = watchFleet(bridge);
    try {
      await waitFor(seen$, (f) => f.members.length === 1);
      register(b);
      await waitFor(seen$, (f) => f.members.length === 2);

      // One subscription held throughout, so that the browser keeps the same connections.
      const toA = browser(bridge, a.instanceId);
      const statuses$ = new ReplaySubject<string>();
      watching.add(toA.status$.subscribe(statuses$));
      await waitFor(statuses$, (s) => s === 'alive' || s === 'stale');
      unlinkSync(join(registryDir, `${a.instanceId}.json`));
      await waitFor(seen$, (f) => ids(f).join() === b.instanceId);
      // Its browser is cut off (the instance itself still runs), and the bridge now refuses it
      // (it is gone from the fleet), so it says unreachable.
      await waitFor(statuses$, (s) => s === 'unreachable');

      const lists = seen.map((f) => f.members.map((m) => m.id).join());
      expect(lists).toEqual([a.instanceId, `${a.instanceId},${b.instanceId}`, b.instanceId]);
    } finally {
      watching.unsubscribe();
    }
  });

  it('a single-instance bridge lists its one instance and needs no instance parameter', async () => {
    const a = await fake('alpha');
    const bridge = await startBridge({ pubEndpoint: a.pubEndpoint, rpcEndpoint: a.rpcEndpoint, instanceId: a.instanceId, path: '/work/a' }, { port: 0, warn: () => undefined });
    bridges.push(bridge);
    expect(bridge.fleet).toBe(false);
    const fleet = await waitFor(fleetOf(bridge), (f) => f.members.length > 0);
    expect(fleet.members).toEqual([{ id: a.instanceId, workdir: '/work/a' }]);
    expect((await firstValueFrom(browser(bridge).listSessions())).map((s) => s.title)).toEqual(['alpha']);
    expect((await firstValueFrom(browser(bridge, a.instanceId).listSessions())).map((s) => s.title)).toEqual(['alpha']);
    expect(await refusedWith(`${bridge.url}?side=events&token=${encodeURIComponent(bridge.token)}&instance=other`)).toBe(404);
  });

  it('watchBridgeFleet keeps the last members while the bridge is unreachable', async () => {
    const a = await fake('alpha');
    register(a);
    const bridge = await fleetBridge();
    const { seen, seen$, watching } = watchFleet(bridge);
    try {
      await waitFor(seen$, (f) => f.members.length === 1);
      await bridge.close();
      bridges.splice(0);
      await waitFor(seen$, (f) => !f.reachable);
      expect(seen.map((f) => [f.reachable, ids(f).join()])).toEqual([
        [true, a.instanceId],
        [false, a.instanceId],
      ]);
    } finally {
      watching.unsubscribe();
    }
  });
});
