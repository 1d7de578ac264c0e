import { firstValueFrom, type Subscription } from 'rxjs';
import { startFakeInstance, type FakeInstance } from '../../src/testing';
import { startRelay, type Relay } from '../../src/relay/start-relay.js';
import { connect } from 'nats';
import { connectNats } from '../../src/observables/transports/nats/connect-nats.js';
import { RelayErrorCode, rpcSubject } from '../../src/observables/transports/nats/subjects.js';
import type { RemoteInstance } from '../../src/observables/remote-instance';
import type { PandoEvent } from '../../src/codecs/topics';
import { RpcError } from '../../src/observables/rpc-errors';
import { startNatsServer, type NatsServer } from '../helpers/nats-server';
import { waitFor } from '../helpers/live';
import { registryWith, until } from '../helpers/relay-fixtures';

/** Everything a test opened, closed in reverse order at its end. */
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

interface Setup {
  readonly nats: NatsServer;
  readonly fake: FakeInstance;
  readonly relay: Relay;
  readonly client: RemoteInstance;
  /** Every event the client has seen so far (its `events$` is subscribed from the start). */
  readonly seen: PandoEvent[];
}

const setUp = async (options: { readonly allowControl?: boolean } = {}): Promise<Setup> => {
  const nats = await startNatsServer();
  closers.push(() => nats.kill());
  const fake = await startFakeInstance({ mode: 'full', heartbeatIntervalMs: 50, sessions: [{ id: 's1', title: 'First', updated_at: new Date('2026-03-01T10:00:00Z'), message_count: 1 }] });
  closers.push(() => fake.stop({ silent: true }));
  const relay = await startRelay({ nats: { servers: nats.url, reconnectTimeWait: 100 }, registryDir: registryWith(closers, fake), pollIntervalMs: 50, allowControl: options.allowControl ?? false });
  closers.push(() => relay.close());
  await waitFor(relay.instances$, (ids) => ids.includes(fake.instanceId));
  const client = connectNats({ nats: { servers: nats.url, reconnectTimeWait: 100 }, instanceId: fake.instanceId, rpcTimeoutMs: 5000 });
  closers.push(() => client.close());
  const seen: PandoEvent[] = [];
  const subscription: Subscription = client.events$.subscribe((event) => seen.push(event));
  closers.push(() => subscription.unsubscribe());
  return { nats, fake, relay, client, seen };
};

/** Waits until the client has seen a heartbeat after `from` events: the whole chain is live. */
const chainLive = (client: RemoteInstance): Promise<unknown> => waitFor(client.events$, (event) => event.topic === 'instance.heartbeat');

describe('the NATS relay and transport (real nats-server, fake instance)', () => {
  it('delivers the instance events through the relay, as Pando published them', async () => {
    const { fake, client } = await setUp();
    await chainLive(client);
    const token = waitFor(client.events$, (event) => event.topic === 'llm.token');
    await fake.publishTopic('llm.token', { session_id: 's1', token: 'hello over NATS' });
    const event = await token;
    expect((event.payload as { token?: unknown }).token).toBe('hello over NATS');
    expect(event.instanceId).toBe(fake.instanceId);
  });

  it('builds the mirror (snapshot by RPC through the relay, then events) and reports alive', async () => {
    const { fake, client } = await setUp();
    await waitFor(client.status$, (status) => status === 'alive');
    const first = await waitFor(client.mirror$, (mirror) => mirror.size === 1);
    expect(first.sessions[0]?.title).toBe('First');
    await chainLive(client);
    await fake.upsertSession({ id: 's2', title: 'Second', updated_at: new Date('2026-03-01T11:00:00Z'), message_count: 0 });
    const next = await waitFor(client.mirror$, (mirror) => mirror.size === 2);
    expect(next.sessions.map((session) => session.title).sort()).toEqual(['First', 'Second']);
  });

  it('answers RPC through NATS request-reply', async () => {
    const { fake, client } = await setUp();
    const pong = await firstValueFrom(client.ping());
    expect(pong.instance_id).toBe(fake.instanceId);
    const [ping2, sessions] = await Promise.all([firstValueFrom(client.ping()), firstValueFrom(client.listSessions())]);
    expect(ping2.status).toBe('ok');
    expect(sessions.map((session) => session.id)).toEqual(['s1']);
  });

  it('refuses control methods on a read-only relay: nothing reaches the instance', async () => {
    const { fake, client } = await setUp();
    const error = await firstValueFrom(client.activateSession('s1')).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(RelayErrorCode.ControlRefused);
    expect(fake.requests.map((request) => request.method)).not.toContain('session.activate');
  });

  it('passes control methods on when the relay allows control', async () => {
    const { fake, client } = await setUp({ allowControl: true });
    await expect(firstValueFrom(client.activateSession('s1'))).resolves.toEqual({ ok: true });
    expect(fake.requests.map((request) => request.method)).toContain('session.activate');
  });

  it('tells "NATS unreachable" from "instance down", and recovers when the NATS server comes back', async () => {
    const { nats, fake, client } = await setUp();
    const statuses: string[] = [];
    const watching = client.status$.subscribe((status) => statuses.push(status));
    closers.push(() => watching.unsubscribe());
    await waitFor(client.status$, (status) => status === 'alive');
    await chainLive(client);

    await nats.kill();
    await waitFor(client.status$, (status) => status === 'unreachable');

    await nats.restart();
    await waitFor(client.status$, (status) => status === 'alive', 15_000);
    // Events flow again end to end, and RPC works.
    await waitFor(client.events$, (event) => event.topic === 'instance.heartbeat');
    const token = waitFor(client.events$, (event) => event.topic === 'llm.token');
    await fake.publishTopic('llm.token', { session_id: 's1', token: 'after the restart' });
    expect((await token).topic).toBe('llm.token');
    expect((await firstValueFrom(client.ping())).instance_id).toBe(fake.instanceId);
    expect(statuses).toContain('unreachable');
    expect(statuses).not.toContain('down');
  });

  it('drops what the instance publishes while NATS is away (counted), never delivers it late, and never stalls the instance', async () => {
    const { nats, fake, relay, client } = await setUp();
    await waitFor(client.status$, (status) => status === 'alive');
    await chainLive(client);
    const late: PandoEvent[] = [];
    const watching = client.events$.subscribe((event) => {
      if (event.topic === 'llm.token' && (event.payload as { token?: unknown }).token === 'while NATS is down') late.push(event);
    });
    closers.push(() => watching.unsubscribe());

    await nats.kill();
    await waitFor(relay.nats$, (state) => state === 'disconnected');
    const before = relay.counts.dropped;
    for (let i = 0; i < 200; i++) await fake.publishTopic('llm.token', { session_id: 's1', token: 'while NATS is down' });
    // The relay keeps reading the PUB socket while NATS is away: every frame is read and counted.
    await until(() => relay.counts.dropped - before >= 200);
    await nats.restart();
    await waitFor(relay.nats$, (state) => state === 'connected', 15_000);
    await waitFor(client.status$, (status) => status === 'alive', 15_000);
    const token = waitFor(client.events$, (event) => event.topic === 'llm.token');
    await fake.publishTopic('llm.token', { session_id: 's1', token: 'after' });
    expect((await token).payload).toEqual(expect.objectContaining({ token: 'after' }));
    expect(relay.counts.dropped - before).toBeGreaterThanOrEqual(200);
    expect(late).toEqual([]);
  });

  it('reports the instance down (not unreachable) when the relay loses it, and refuses its RPC at once', async () => {
    const { fake, client } = await setUp();
    await waitFor(client.status$, (status) => status === 'alive');
    await fake.stop({ silent: true });
    await waitFor(client.status$, (status) => status === 'down');
    const started = Date.now();
    const error = await firstValueFrom(client.ping()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(RelayErrorCode.NotDelivered);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('says unreachable, and answers RPC with NoRelay, for an instance no relay serves', async () => {
    const { nats } = await setUp();
    const stranger = connectNats({ nats: { servers: nats.url }, instanceId: 'no-such-instance', rpcTimeoutMs: 5000 });
    closers.push(() => stranger.close());
    await waitFor(stranger.status$, (status) => status === 'unreachable');
    const error = await firstValueFrom(stranger.ping()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(RelayErrorCode.NoRelay);
  });

  it('keeps apart the requests of different clients that use the same id (plain NATS requests)', async () => {
    const { nats, fake } = await setUp();
    const raw = await connect({ servers: nats.url });
    closers.push(() => raw.close());
    const ask = async (method: string, params: unknown): Promise<{ id?: unknown; result?: unknown }> => {
      const reply = await raw.request(rpcSubject(fake.instanceId), new TextEncoder().encode(JSON.stringify({ jsonrpc: '2.0', id: '1', method, params })), { timeout: 5000 });
      return JSON.parse(new TextDecoder().decode(reply.data)) as { id?: unknown; result?: unknown };
    };
    const [ping, session] = await Promise.all([ask('instance.ping', {}), ask('session.get', { session_id: 's1' })]);
    expect(ping).toEqual(expect.objectContaining({ id: '1', result: expect.objectContaining({ instance_id: fake.instanceId }) }));
    expect(session).toEqual(expect.objectContaining({ id: '1', result: expect.objectContaining({ id: 's1', title: 'First' }) }));
  });
});
