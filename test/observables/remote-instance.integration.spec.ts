import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, toArray } from 'rxjs';
import { RpcError } from '../../src/observables/rpc-errors';
import { startFakeInstance, type FakeInstance } from '../../src/testing';
import type { RemoteInstance } from '../../src/observables/remote-instance';
import { connect } from '../../src/observables/connect';
import { zeromqTransport } from '../../src/observables/transports/zeromq/zeromq-transport';
import type { EventLink, EventLinkSignal, LinkSink, RequestLink, RequestLinkSignal, Transport } from '../../src/observables/transport';
import type { Mirror } from '../../src/operators/mirrorState';
import type { DecodeFailure } from '../../src/observables/frame-hub';
import type { PandoEvent } from '../../src/codecs/topics';
import { collect, freePort, waitFor } from '../helpers/live';
import { InstanceUnreachableError } from '../../src/observables/ready';

/** Counts the SUB sockets opened through it, over the real zeromq transport. */
class CountingTransport implements Transport {
  subscribersOpened = 0;
  openEvents(address: string, sink: LinkSink<EventLinkSignal>): EventLink {
    this.subscribersOpened++;
    return zeromqTransport.openEvents(address, sink);
  }
  openRequests(address: string, sink: LinkSink<RequestLinkSignal>): RequestLink {
    return zeromqTransport.openRequests(address, sink);
  }
}

const ids = (mirror: Mirror): string[] => mirror.sessions.map((s) => s.id);

describe('RemoteInstance against the fake instance (loopback)', () => {
  const fakes: FakeInstance[] = [];
  const instances: RemoteInstance[] = [];
  const start = async (options: Parameters<typeof startFakeInstance>[0] = {}): Promise<FakeInstance> => {
    const fake = await startFakeInstance({ heartbeatIntervalMs: 0, tokenIntervalMs: 0, ...options });
    fakes.push(fake);
    return fake;
  };
  const open = (fake: FakeInstance, transport?: Transport): RemoteInstance => {
    const pando = connect({
      pubEndpoint: fake.pubEndpoint,
      rpcEndpoint: fake.rpcEndpoint,
      rpcTimeoutMs: 5000,
      syncRetry: { initialDelayMs: 20, maxDelayMs: 200 },
      ...(transport === undefined ? {} : { transport }),
    });
    instances.push(pando);
    return pando;
  };

  afterEach(async () => {
    for (const pando of instances.splice(0)) pando.close();
    for (const fake of fakes.splice(0)) await fake.stop({ silent: true });
  });

  describe.each(['full', 'pando'] as const)('%s mode', (mode) => {
    it(`builds the mirror from ${mode === 'full' ? 'state.sync' : 'session.list (state.sync is not found)'} and follows updates, deletions and activation`, async () => {
      const fake = await start({ mode });
      const pando = open(fake);
      // Keep mirror$ subscribed throughout, as an app would: with no subscriber it lets go of its socket.
      const keep = pando.mirror$.subscribe();
      const first = await waitFor(pando.mirror$);
      expect(first.source).toBe(mode === 'full' ? 'state.sync' : 'session.list');
      expect(ids(first).sort()).toEqual(fake.sessions().map((s) => s.id).sort());

      const newest = { id: 'new-session', title: 'Fresh', updated_at: new Date(Date.now() + 60_000), message_count: 0 };
      await fake.upsertSession(newest);
      const withNew = await waitFor(pando.mirror$, (m) => m.get('new-session') !== undefined);
      expect(ids(withNew)[0]).toBe('new-session');

      await fake.deleteSession('new-session');
      await waitFor(pando.mirror$, (m) => m.get('new-session') === undefined);

      const target = fake.sessions()[fake.sessions().length - 1]!.id;
      await firstValueFrom(pando.switchSession(target));
      const activated = await waitFor(pando.mirror$, (m) => m.activeSessionId === target);
      expect(activated.get(target)).toBeDefined();
      keep.unsubscribe();
    });
  });

  it('keeps the events published while state.sync is in flight (the snapshot race)', async () => {
    const fake = await start({ mode: 'full' });
    fake.holdReplies((request) => request.method === 'state.sync');
    const pando = open(fake);
    const mirror = waitFor(pando.mirror$);
    await fake.waitForRequest((request) => request.method === 'state.sync');
    // The snapshot was taken at receipt; this update happens after it and reaches only the SUB socket.
    await fake.upsertSession({ id: 'during-sync', title: 'raced', updated_at: new Date(Date.now() + 60_000), message_count: 1 });
    await waitFor(pando.events$, (e) => e.topic === 'session.update' && e.payload !== null && (e.payload as { id?: string }).id === 'during-sync');
    await fake.releaseReplies();
    const first = await mirror;
    expect(first.get('during-sync')).toMatchObject({ title: 'raced' });
    expect(ids(first)[0]).toBe('during-sync');
  });

  it('resyncs by itself after the instance restarts with other sessions', async () => {
    const fake = await start({ mode: 'full' });
    const pando = open(fake);
    const mirrors: string[][] = [];
    const keep = pando.mirror$.subscribe((m) => mirrors.push(ids(m))); // one subscription across the restart
    const before = await waitFor(pando.mirror$);
    expect(before.get('after-restart')).toBeUndefined();
    await fake.stop();
    fakes.splice(fakes.indexOf(fake), 1);
    const reborn = await start({
      mode: 'full',
      pubPort: fake.pubPort,
      rpcPort: fake.rpcPort,
      sessions: [{ id: 'after-restart', title: 'new life', updated_at: new Date(), message_count: 0 }],
    });
    const after = await waitFor(pando.mirror$, (m) => m.get('after-restart') !== undefined);
    expect(ids(after)).toEqual(['after-restart']);
    expect(after.instanceId).toBe(reborn.instanceId);
    expect(mirrors[0]).toEqual(ids(before));
    expect(mirrors.at(-1)).toEqual(['after-restart']);
    keep.unsubscribe();
  });

  it('ask() sends a message and streams the whole reply, tools included, to its end', async () => {
    const fake = await start({ mode: 'full', tokenIntervalMs: 0 });
    const pando = open(fake);
    const [session] = await firstValueFrom(pando.listSessions());
    const replies = await firstValueFrom(pando.ask(session!.id, 'Run the tests, please').pipe(toArray()));
    const last = replies.at(-1)!;
    expect(last.status).toBe('done');
    expect(last.text.length).toBeGreaterThan(0);
    expect(replies.slice(0, -1).every((r) => r.status === 'streaming')).toBe(true);
    expect(last.toolCalls.every((call) => call.status === 'ok' || call.status === 'error')).toBe(true);
  });

  it('ask() against today\'s Pando fails with its error reply (no agent runner)', async () => {
    const fake = await start({ mode: 'pando' });
    const pando = open(fake);
    const [session] = await firstValueFrom(pando.listSessions());
    const error = await firstValueFrom(pando.ask(session!.id, 'hello')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as Error).message).toContain('agent runner not available');
  });

  it('ready() resolves against a live instance and names the PUB endpoint when only it is wrong', async () => {
    const fake = await start({ mode: 'pando' });
    await firstValueFrom(open(fake).ready({ timeoutMs: 5000 }));
    const wrongPub = `tcp://127.0.0.1:${await freePort()}`;
    const pando = connect({ pubEndpoint: wrongPub, rpcEndpoint: fake.rpcEndpoint });
    instances.push(pando);
    const error = await firstValueFrom(pando.ready({ timeoutMs: 300 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceUnreachableError);
    expect((error as InstanceUnreachableError).unanswered).toEqual(['events']);
    expect((error as Error).message).toContain(wrongPub);
  });

  it('shares one SUB socket between subscribers of events$, token$ and mirror$', async () => {
    const fake = await start({ mode: 'full' });
    const transport = new CountingTransport();
    const pando = open(fake, transport);
    const mirror = waitFor(pando.mirror$);
    const a = pando.events$.subscribe();
    const b = pando.events$.subscribe();
    const tokens = pando.token$.subscribe();
    await mirror;
    expect(transport.subscribersOpened).toBe(1);
    a.unsubscribe();
    b.unsubscribe();
    tokens.unsubscribe();
  });

  it('streams a whole turn: every token in order, ended by llm.end', async () => {
    const fake = await start({ mode: 'full', script: () => 'one two three four' });
    const pando = open(fake);
    const sessionId = fake.sessions()[0]!.id;
    const tokens = collect(pando.tokens(sessionId), 4);
    await waitFor(pando.mirror$); // the shared socket is connected: the snapshot waited for it
    await firstValueFrom(pando.sendMessage(sessionId, 'count'));
    expect((await tokens).map((t) => t.token).join('')).toBe('one two three four');
  });

  it('delivers every good frame of a flood with bad frames between them, and reports every bad one', async () => {
    const fake = await start({ mode: 'full' });
    const pando = open(fake);
    const errors: DecodeFailure[] = [];
    pando.decodeErrors$.subscribe((failure) => errors.push(failure));
    const events: PandoEvent[] = [];
    const done = waitFor(pando.events$, (e) => {
      events.push(e);
      return e.topic === 'instance.shutdown';
    });
    await waitFor(pando.status$, (s) => s === 'alive'); // connected (ping answered)
    // Make sure the subscription reached the publisher: wait for one probe event.
    const probe = waitFor(pando.events$, (e) => e.topic === 'llm.start');
    await fake.publishTopic('llm.start', { session_id: 'probe' });
    await probe;
    events.length = 0;
    for (let i = 0; i < 300; i++) {
      await fake.publishTopic('llm.token', { session_id: 's', token: `t${i}` }, { sessionId: 's' });
      await fake.publishRaw(i % 2 === 0 ? 'llm.token\u0000{broken' : 'no separator');
    }
    await fake.publishTopic('instance.shutdown', { instance_id: fake.instanceId, reason: 'end of flood' });
    await done;
    const tokens = events.filter((e) => e.topic === 'llm.token').map((e) => (e.payload as { token: string }).token);
    expect(tokens).toEqual(Array.from({ length: 300 }, (_, i) => `t${i}`));
    expect(errors).toHaveLength(300);
    expect(errors.filter((f) => f.error.stage === 'json')).toHaveLength(150);
    expect(errors.filter((f) => f.error.stage === 'separator')).toHaveLength(150);
  });

  it('keeps draining the socket for a consumer too slow for the instance: drops the oldest on its side, counts them, loses none silently', async () => {
    const N = 3000;
    const child = fork(join(__dirname, '..', 'helpers', 'burst-publisher.cjs'), [String(N)], { stdio: 'ignore' });
    try {
      const messages: Array<{ endpoint?: string; sent?: number }> = [];
      const next = (key: 'endpoint' | 'sent'): Promise<void> =>
        new Promise((resolve) => {
          const look = (): void => (messages.some((m) => m[key] !== undefined) ? resolve() : void child.once('message', look));
          look();
        });
      child.on('message', (m: { endpoint?: string; sent?: number }) => messages.push(m));
      await next('endpoint');
      const pubEndpoint = messages.find((m) => m.endpoint !== undefined)!.endpoint!;
      const pando = connect({ pubEndpoint, rpcEndpoint: `tcp://127.0.0.1:${await freePort()}`, backlogLimit: 50 });
      instances.push(pando);
      let delivered = 0;
      const busy = (ms: number): void => {
        for (const end = Date.now() + ms; Date.now() < end; );
      };
      const end = waitFor(pando.events$, (e) => {
        if (e.topic === 'llm.token') {
          delivered++;
          busy(2); // 2 ms per token: 3,000 tokens would take 6 s
        }
        return e.topic === 'instance.shutdown';
      });
      await end;
      // Every frame was read from the socket: handed out, or dropped here and counted.
      expect(delivered + pando.droppedFrames).toBe(N);
      expect(pando.droppedFrames).toBeGreaterThan(N / 2);
    } finally {
      child.send('stop');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('reports status alive, then down when the instance goes away without a word', async () => {
    const fake = await start({ mode: 'pando' });
    const pando = open(fake);
    const seen: string[] = [];
    const watching = pando.status$.subscribe((s) => seen.push(s)); // stays subscribed, as a view would
    await waitFor(pando.status$, (s) => s === 'alive');
    const down = waitFor(pando.status$, (s) => s === 'down');
    await fake.stop({ silent: true });
    fakes.splice(fakes.indexOf(fake), 1);
    expect(await down).toBe('down');
    expect(seen).toEqual(['connecting', 'alive', 'down']);
    watching.unsubscribe();
  });

  it('finds the instance of a working directory through its lock file (connect({ workdir }))', async () => {
    const fake = await start({ mode: 'pando' });
    const workdir = mkdtempSync(join(tmpdir(), 'pando-rx-workdir-'));
    try {
      mkdirSync(join(workdir, '.pando'));
      writeFileSync(
        join(workdir, '.pando', 'ipc.lock'),
        JSON.stringify({ instance_id: fake.instanceId, pid: process.pid, pub_port: fake.pubPort, rpc_port: fake.rpcPort, started_at: '2026-03-01T10:00:00Z' }),
      );
      const pando = connect({ workdir, registryDir: join(workdir, 'no-registry'), rpcTimeoutMs: 5000 });
      instances.push(pando);
      expect(pando.resolution).toMatchObject({ via: 'lock', instanceId: fake.instanceId, pubEndpoint: fake.pubEndpoint });
      expect(await firstValueFrom(pando.ping())).toMatchObject({ instance_id: fake.instanceId });
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  });

  it('frees every socket on close(), so that the process could exit', async () => {
    const fake = await start({ mode: 'full' });
    const pando = open(fake);
    await waitFor(pando.mirror$);
    let completed = false;
    pando.events$.subscribe({ complete: () => (completed = true) });
    pando.close();
    expect(completed).toBe(true);
  });
});
