import { firstValueFrom, forkJoin, lastValueFrom } from 'rxjs';
import { startFakeInstance, type FakeInstance } from '../../src/testing';
import { connectControl } from '../../src/observables/connect';
import { RpcConnectionLostError, RpcError, RpcTimeoutError, type RpcDiagnostic } from '../../src';
import { freePort, waitFor } from '../helpers/live';

/** Integration: RemoteControl over real loopback sockets against the fake instance. */
describe('RemoteControl against the fake instance (loopback)', () => {
  const open: Array<{ close(): void } | FakeInstance> = [];
  const track = <T extends { close(): void } | FakeInstance>(thing: T): T => {
    open.push(thing);
    return thing;
  };

  afterEach(async () => {
    for (const thing of open.splice(0).reverse()) {
      if ('stop' in thing) await thing.stop({ silent: true });
      else thing.close();
    }
  });

  describe.each(['full', 'pando'] as const)('%s mode', (mode) => {
    it('answers every method of the table with decoded results, or Pando’s errors', async () => {
      const fake = track(await startFakeInstance({ mode, heartbeatIntervalMs: 0 }));
      const control = track(connectControl(fake.rpcEndpoint, { timeoutMs: 5000 }));
      const [first] = fake.sessions();
      const id = first!.id;

      const pong = await firstValueFrom(control.ping());
      expect(pong).toMatchObject({ status: 'ok', instance_id: expect.any(String) });
      expect(typeof pong.uptime.ms).toBe('number');

      const sessions = await firstValueFrom(control.listSessions());
      expect(sessions.map((s) => s.id).sort()).toEqual(fake.sessions().map((s) => s.id).sort());
      expect(sessions[0]!.updated_at).toBeInstanceOf(Date);

      expect(await firstValueFrom(control.getSession(id))).toEqual(first);
      await expect(firstValueFrom(control.getSession('no-such-session'))).rejects.toMatchObject({
        name: 'RpcError',
        code: -32000,
        rpcMessage: 'session.get: sql: no rows in result set', // Pando's storage error, passed through
        method: 'session.get',
      });
      expect(await firstValueFrom(control.switchSession(id))).toEqual({ ok: true });
      expect(Array.isArray(await firstValueFrom(control.listMessages(id)))).toBe(true);

      if (mode === 'full') {
        expect(await firstValueFrom(control.sendMessage(id, 'hello'))).toEqual({ ok: true });
        expect(await firstValueFrom(control.interrupt(id))).toEqual({ ok: true });
        const snapshot = await firstValueFrom(control.stateSync());
        expect(snapshot.instance_id).toBe(fake.instanceId);
        expect(snapshot.sessions).toHaveLength(fake.sessions().length);
        expect(await firstValueFrom(control.instanceInfo())).toBeDefined();
      } else {
        const refused = await firstValueFrom(control.sendMessage(id, 'hello')).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(RpcError);
        expect((refused as RpcError).code).toBe(-32000);
        expect((refused as RpcError).rpcMessage).toMatch(/^message\.send: agent runner not available/);
        for (const call of [control.stateSync(), control.instanceInfo()]) {
          const missing = await firstValueFrom(call).catch((e: unknown) => e);
          expect(missing).toMatchObject({ code: -32601, rpcMessage: 'ipc: method not found' });
        }
      }
    });
  });

  it('keeps 64 calls in flight over one DEALER, each getting its own answer when replies come out of order', async () => {
    const fake = track(await startFakeInstance({ heartbeatIntervalMs: 0 }));
    const control = track(connectControl(fake.rpcEndpoint, { timeoutMs: 5000 }));
    const ids = fake.sessions().map((s) => s.id);
    fake.holdReplies((request) => request.method === 'session.get');
    const calls = Array.from({ length: 64 }, (_, i) => control.getSession(ids[i % ids.length]!));
    const all = lastValueFrom(forkJoin(calls));
    let received = 0;
    await fake.waitForRequest((request) => request.method === 'session.get' && ++received === 64);
    expect(fake.heldReplies()).toHaveLength(64);
    expect(await fake.releaseReplies('reverse')).toBe(64);
    const sessions = await all;
    sessions.forEach((session, i) => expect(session.id).toBe(ids[i % ids.length]));
  });

  it('reports a reply that arrives after its call timed out, without failing anything', async () => {
    const fake = track(await startFakeInstance({ heartbeatIntervalMs: 0 }));
    const control = track(connectControl(fake.rpcEndpoint, { timeoutMs: 5000 }));
    await firstValueFrom(control.ping()); // connected
    const diagnostic = waitFor<RpcDiagnostic>(control.rpcDiagnostics$);
    fake.holdReplies((request) => request.method === 'session.list');
    const failed = firstValueFrom(control.listSessions({ timeoutMs: 50 })).catch((e: unknown) => e);
    await fake.waitForRequest((request) => request.method === 'session.list');
    expect(await failed).toEqual(new RpcTimeoutError('session.list', 50, true)); // it reached the instance
    await fake.releaseReplies();
    expect(await diagnostic).toMatchObject({ kind: 'late-reply' });
    expect(await firstValueFrom(control.ping())).toMatchObject({ status: 'ok' });
  });

  it('fails a call in flight at once when the instance dies, saying it may have run, not at its timeout', async () => {
    const fake = await startFakeInstance({ heartbeatIntervalMs: 0 });
    const control = track(connectControl(fake.rpcEndpoint, { timeoutMs: 60_000 }));
    await firstValueFrom(control.ping()); // connected
    fake.holdReplies((request) => request.method === 'session.list');
    const failed = firstValueFrom(control.listSessions()).catch((e: unknown) => e);
    await fake.waitForRequest((request) => request.method === 'session.list');
    await fake.stop();
    const error = await failed; // within the test's own timeout, far below the call's 60 s
    expect(error).toBeInstanceOf(RpcConnectionLostError);
    expect((error as RpcConnectionLostError).sent).toBe(true);
  });

  it('waits for an instance that is down and succeeds when it comes up in time', async () => {
    const rpcPort = await freePort();
    const control = track(connectControl(`tcp://127.0.0.1:${rpcPort}`, { timeoutMs: 8000 }));
    const pending = firstValueFrom(control.listSessions());
    const fake = track(await startFakeInstance({ rpcPort, heartbeatIntervalMs: 0 }));
    expect((await pending).length).toBe(fake.sessions().length);
  });

  it('never executes a call that was reported as failed while the instance was down (at most once)', async () => {
    const rpcPort = await freePort();
    const control = track(connectControl(`tcp://127.0.0.1:${rpcPort}`, { timeoutMs: 8000 }));
    const failed = await firstValueFrom(control.sendMessage('s1', 'do it once', { timeoutMs: 100 })).catch((e: unknown) => e);
    expect(failed).toEqual(new RpcTimeoutError('message.send', 100));
    const fake = track(await startFakeInstance({ rpcPort, heartbeatIntervalMs: 0 }));
    // A later call goes through the same DEALER: once it is answered, anything queued before it would have arrived.
    await firstValueFrom(control.ping());
    expect(fake.requests.map((r) => r.method)).toEqual(['instance.ping']);
  });

  it('works again after the instance restarts on the same ports, with nothing to do for the user', async () => {
    const first = await startFakeInstance({ heartbeatIntervalMs: 0 });
    const control = track(connectControl(first.rpcEndpoint, { timeoutMs: 8000 }));
    expect(await firstValueFrom(control.ping())).toMatchObject({ instance_id: first.instanceId });
    await first.stop();
    const second = track(await startFakeInstance({ pubPort: first.pubPort, rpcPort: first.rpcPort, heartbeatIntervalMs: 0 }));
    expect(await firstValueFrom(control.ping())).toMatchObject({ instance_id: second.instanceId });
  });

  it('gives two clients their own routing ids: replies never leak between them', async () => {
    const fake = track(await startFakeInstance({ heartbeatIntervalMs: 0 }));
    const a = track(connectControl(fake.rpcEndpoint, { timeoutMs: 5000 }));
    const b = track(connectControl(fake.rpcEndpoint, { timeoutMs: 5000 }));
    const strays: RpcDiagnostic[] = [];
    a.rpcDiagnostics$.subscribe((d) => strays.push(d));
    b.rpcDiagnostics$.subscribe((d) => strays.push(d));
    const results = await lastValueFrom(forkJoin([a.ping(), b.ping(), a.listSessions(), b.listSessions()]));
    expect(results).toHaveLength(4);
    expect(strays).toEqual([]);
  });
});
