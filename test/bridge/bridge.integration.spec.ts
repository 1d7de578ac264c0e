import { firstValueFrom, filter, take, timeout } from 'rxjs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startBridge, BridgeOptionsError, type Bridge, type BridgeOptions } from '../../src/bridge/start-bridge';
import { BRIDGE_REFUSED_CODE } from '../../src/codecs/bridge';
import { rawClient, refusedWith } from './helpers';
import { connectBrowser } from '../../src/observables/connect-browser';
import type { RemoteInstance } from '../../src/observables/remote-instance';
import { RpcError } from '../../src/observables/rpc-errors';
import { startFakeInstance, type FakeInstance } from '../../src/testing';
import { waitFor } from '../helpers/live';
import type { Transport } from '../../src/observables/transport';
import { zeromqTransport } from '../../src/observables/transports/zeromq/zeromq-transport';

describe('the WebSocket bridge, with the fake instance (loopback)', () => {
  let fake: FakeInstance;
  const bridges: Bridge[] = [];
  const instances: RemoteInstance[] = [];
  const sockets: WebSocket[] = [];

  const bridge = async (options: BridgeOptions = {}): Promise<Bridge> => {
    const started = await startBridge(
      { pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint },
      { port: 0, warn: () => undefined, ...options },
    );
    bridges.push(started);
    return started;
  };
  const browser = (b: { url: string; token: string }): RemoteInstance => {
    const pando = connectBrowser({
      url: b.url,
      token: b.token,
      WebSocket: WebSocket,
      rpcTimeoutMs: 5000,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      syncRetry: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    instances.push(pando);
    return pando;
  };
  const raw = (url: string, options: WebSocket.ClientOptions = {}) => {
    const client = rawClient(url, options);
    sockets.push(client.ws);
    return client;
  };

  beforeEach(async () => {
    fake = await startFakeInstance({ heartbeatIntervalMs: 0, tokenIntervalMs: 0 });
  });

  afterEach(async () => {
    for (const pando of instances.splice(0)) pando.close();
    for (const ws of sockets.splice(0)) ws.terminate();
    for (const b of bridges.splice(0)) await b.close();
    await fake.stop({ silent: true });
  });

  it('refuses a connection without the token, with a wrong token, from a wrong Origin, or under a wrong Host', async () => {
    const b = await bridge();
    const port = new URL(b.url).port;
    expect(await refusedWith(`${b.url}?side=events`)).toBe(401);
    expect(await refusedWith(`${b.url}?side=events&token=${b.token}x`)).toBe(401);
    expect(await refusedWith(`${b.url}?token=${b.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await refusedWith(`${b.url}?token=${b.token}`, { headers: { Host: `evil.example:${port}` } })).toBe(421);
    expect(b.stats().refusedConnections).toBe(4);
    // The same request with the right token, from the bridge's own origin, is admitted.
    const ok = raw(`${b.url}?token=${encodeURIComponent(b.token)}`, { origin: `http://localhost:${port}` });
    await ok.opened;
    expect(await ok.next((m) => m.type === 'hello')).toEqual({ type: 'hello', version: 1, control: false });
  });

  it('refuses a hostile request target (//, no query, garbage) without crashing', async () => {
    const b = await bridge();
    const { port } = new URL(b.url);
    const { request } = await import('node:http');
    for (const path of ['//', '/?token', '/?%zz=1&token=%', '/?token=' + encodeURIComponent(b.token) + '&token=x']) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port: Number(port),
          path,
          headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
        });
        req.on('response', (response) => (response.resume(), resolve(response.statusCode ?? 0)));
        req.on('upgrade', (_response, socket) => (socket.destroy(), resolve(101)));
        req.on('error', reject);
        req.end();
      });
      expect([path, status]).toEqual([path, path.endsWith('&token=x') ? 101 : 401]);
    }
    const ok = raw(`${b.url}?token=${encodeURIComponent(b.token)}`);
    await ok.opened;
  });

  it('admits an Origin of the allow-list', async () => {
    const b = await bridge({ allowedOrigins: ['http://localhost:4200'] });
    const client = raw(`${b.url}?token=${encodeURIComponent(b.token)}`, { origin: 'http://localhost:4200' });
    await client.opened;
    expect(await refusedWith(`${b.url}?token=${b.token}`, { origin: 'http://localhost:4201' })).toBe(403);
  });

  it('will not bind a non-loopback host without allowNonLoopback, nor take a short token', async () => {
    await expect(startBridge({ pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint }, { host: '0.0.0.0', port: 0 })).rejects.toThrow(
      BridgeOptionsError,
    );
    await expect(startBridge({ pubEndpoint: fake.pubEndpoint, rpcEndpoint: fake.rpcEndpoint }, { port: 0, token: 'short' })).rejects.toThrow(
      'at least 8 characters',
    );
    const warnings: string[] = [];
    const open = await bridge({ host: '0.0.0.0', allowNonLoopback: true, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringContaining('not loopback')]);
    expect(open.url).toMatch(/^ws:\/\/0\.0\.0\.0:\d+\/$/);
  });

  it('answers a malformed message with a clear error, counts it, and stays alive', async () => {
    const b = await bridge();
    const client = raw(`${b.url}?side=events&token=${encodeURIComponent(b.token)}`);
    await client.opened;
    client.ws.send('{"type":"subscribe"}');
    client.ws.send('not json');
    client.ws.send(Buffer.from([1, 2, 3]));
    const first = await client.next((m) => m.type === 'error');
    expect(first).toEqual({ type: 'error', code: 'bad-message', message: expect.stringContaining('message.prefix') });
    await client.next((m) => m.type === 'error' && m.message.includes('binary'));
    expect(client.messages.filter((m) => m.type === 'error').map((m) => (m as { message: string }).message)).toEqual([
      expect.stringContaining('message.prefix: expected string'),
      expect.stringContaining('is not JSON'),
      'messages are JSON text, not binary',
    ]);
    expect(b.stats().refusedMessages).toBe(3);
    // Still serving: a good subscription gets frames.
    client.ws.send(JSON.stringify({ type: 'subscribe', prefix: 'session.update\u0000' }));
    // A SUB's subscription reaches the PUB a moment later: publish until a frame comes through.
    const frameSeen = client.next((m) => m.type === 'frame');
    for (let i = 0; i < 200 && !client.messages.some((m) => m.type === 'frame'); i++) {
      await fake.upsertSession({ id: 's-new', title: 'new', updated_at: new Date(), message_count: i });
      await new Promise((r) => setTimeout(r, 20));
    }
    const frame = (await frameSeen) as { data: string };
    expect(Buffer.from(frame.data, 'base64').toString('utf8')).toMatch(/^session\.update\u0000\{/);
  });

  it('closes a connection whose message is over maxMessageBytes (1009), and keeps serving the others', async () => {
    const b = await bridge({ maxMessageBytes: 300 });
    const big = raw(`${b.url}?side=events&token=${encodeURIComponent(b.token)}`);
    await big.opened;
    const code = new Promise<number>((resolve) => big.ws.once('close', (c) => resolve(c)));
    big.ws.send(JSON.stringify({ type: 'subscribe', prefix: 'x'.repeat(400) }));
    expect(await code).toBe(1009);
    const pando = browser(b);
    await expect(firstValueFrom(pando.ping())).resolves.toMatchObject({ instance_id: fake.instanceId });
  });

  it('refuses more than maxConnections at once (503)', async () => {
    const b = await bridge({ maxConnections: 1 });
    const first = raw(`${b.url}?token=${encodeURIComponent(b.token)}`);
    await first.opened;
    expect(await refusedWith(`${b.url}?token=${b.token}`)).toBe(503);
  });

  it('gives connectBrowser events$, mirror$, status$ and an RPC round trip, the same RemoteInstance as connect()', async () => {
    const b = await bridge();
    const pando = browser(b);
    await waitFor(pando.status$, (s) => s === 'alive');
    const mirror = await waitFor(pando.mirror$, (m) => m.sessions.length > 0);
    expect(mirror.sessions.map((s) => s.id).sort()).toEqual(fake.sessions().map((s) => s.id).sort());
    const pong = await firstValueFrom(pando.ping());
    expect(pong.instance_id).toBe(fake.instanceId);
    const heartbeat = firstValueFrom(pando.on('instance.heartbeat').pipe(take(1), timeout(5000)));
    const events = firstValueFrom(pando.events$.pipe(filter((e) => e.topic === 'instance.heartbeat'), take(1), timeout(5000)));
    // A SUB's new prefix reaches the PUB a moment later: publish until the heartbeat comes through.
    let received = false;
    void heartbeat.then(() => (received = true), () => undefined);
    for (let i = 0; i < 200 && !received; i++) {
      await fake.publishHeartbeat();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await heartbeat).payload.instance_id).toBe(fake.instanceId);
    expect((await events).topic).toBe('instance.heartbeat');
  });

  it('refuses control methods when read-only (nothing reaches the instance), forwards them with allowControl', async () => {
    const readOnly = await bridge();
    const pando = browser(readOnly);
    const sessionId = fake.sessions()[0]!.id;
    const error = await firstValueFrom(pando.sendMessage(sessionId, 'hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: BRIDGE_REFUSED_CODE, rpcMessage: expect.stringContaining('read-only') });
    await expect(firstValueFrom(pando.interrupt(sessionId))).rejects.toMatchObject({ code: BRIDGE_REFUSED_CODE });
    await expect(firstValueFrom(pando.activateSession(sessionId))).rejects.toMatchObject({ code: BRIDGE_REFUSED_CODE });
    expect(readOnly.stats().refusedMessages).toBe(3);
    await firstValueFrom(pando.ping()); // reads still go through
    expect(fake.requests.map((r) => r.method)).toEqual(['instance.ping']);

    const control = await bridge({ allowControl: true });
    const controller = browser(control);
    const tokens = firstValueFrom(controller.token$.pipe(take(1), timeout(5000)));
    await waitFor(controller.status$, (s) => s === 'alive');
    await expect(firstValueFrom(controller.sendMessage(sessionId, 'hi'))).resolves.toBeDefined();
    expect((await tokens).sessionId).toBe(sessionId);
    expect(fake.requests.map((r) => r.method)).toContain('message.send');
  });

  it('says unreachable when the bridge stops, and recovers (mirror resynced) when it comes back on the same port', async () => {
    const b = await bridge();
    const pando = browser(b);
    const seen: string[] = [];
    const sub = pando.status$.subscribe((s) => seen.push(s));
    await waitFor(pando.status$, (s) => s === 'alive');
    await waitFor(pando.mirror$, (m) => m.sessions.length > 0);
    const port = Number(new URL(b.url).port);
    await b.close();
    bridges.splice(bridges.indexOf(b), 1);
    await waitFor(pando.status$, (s) => s === 'unreachable');
    // A change while the bridge is gone reaches nobody: the mirror learns it by resyncing.
    await fake.upsertSession({ id: 'while-away', title: 'made while the bridge was down', updated_at: new Date(), message_count: 0 });
    await bridge({ port, token: b.token });
    await waitFor(pando.status$, (s) => s === 'alive');
    await waitFor(pando.mirror$, (m) => m.sessions.some((session) => session.id === 'while-away'));
    await expect(firstValueFrom(pando.ping())).resolves.toMatchObject({ instance_id: fake.instanceId });
    sub.unsubscribe();
    expect(seen.slice(0, 2)).toEqual(['connecting', 'alive']);
    expect(seen).toContain('unreachable');
    expect(seen[seen.length - 1]).toBe('alive');
  });

  it('finds the instance from a working directory ({ workdir }: its lock file)', async () => {
    const workdir = mkdtempSync(join(tmpdir(), 'pando-rx-bridge-'));
    try {
      mkdirSync(join(workdir, '.pando'));
      const lock = { instance_id: fake.instanceId, pid: process.pid, pub_port: fake.pubPort, rpc_port: fake.rpcPort, started_at: '2026-03-01T10:20:30Z' };
      writeFileSync(join(workdir, '.pando', 'ipc.lock'), JSON.stringify(lock));
      const b = await startBridge({ workdir, registryDir: join(workdir, 'registry') }, { port: 0 });
      bridges.push(b);
      await expect(firstValueFrom(browser(b).ping())).resolves.toMatchObject({ instance_id: fake.instanceId });
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  });

  it('pushes a browser\'s prefixes through to its SUB socket: only those topics travel', async () => {
    const prefixes: string[][] = [];
    const recording: Transport = {
      openEvents: (address, sink) => {
        const link = zeromqTransport.openEvents(address, sink);
        const mine: string[] = [];
        prefixes.push(mine);
        return {
          subscribe: (p) => (mine.push(p), link.subscribe(p)),
          unsubscribe: (p) => (mine.splice(mine.indexOf(p), 1), link.unsubscribe(p)),
          close: () => link.close(),
        };
      },
      openRequests: (address, sink) => zeromqTransport.openRequests(address, sink),
    };
    const b = await bridge({ transport: recording });
    const pando = browser(b);
    const sessionId = fake.sessions()[0]!.id;
    const topics: string[] = [];
    const sub = pando.on('llm.token').subscribe((e) => topics.push(e.topic));
    for (let i = 0; i < 200 && topics.length === 0; i++) {
      await fake.publishHeartbeat();
      await fake.publishTopic('llm.token', { session_id: sessionId, token: 'a' });
      await new Promise((r) => setTimeout(r, 20));
    }
    sub.unsubscribe();
    expect(new Set(topics)).toEqual(new Set(['llm.token']));
    expect(prefixes[0]).toEqual(expect.arrayContaining(['llm.token\u0000']));
    expect(prefixes[0]).not.toContain('');
  });

});
