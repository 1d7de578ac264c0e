import * as path from 'node:path';
import { catchError, firstValueFrom, of, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { DEFAULT_CONFIRM_TIMEOUT_MS, InstanceNotConfirmedError, confirmInstance, type PingAnswer } from '../../src/observables/discovery/confirm.js';
import { isPidAlive } from '../../src/observables/discovery/pid.js';
import { listInstances } from '../../src/observables/discovery/registry.js';
import { lockPath } from '../../src/observables/discovery/lock-file.js';
import { resolveEndpoints, type ResolvedEndpoints } from '../../src/observables/discovery/resolve.js';
import { entryJson, lockJson, tempDir, writeJson, writeLock } from './discovery-fixtures.js';

const fromLock: ResolvedEndpoints = {
  pubEndpoint: 'tcp://127.0.0.1:41000',
  rpcEndpoint: 'tcp://127.0.0.1:41001',
  via: 'lock',
  instanceId: 'inst-lock',
  detail: 'lock file /w/.pando/ipc.lock: instance inst-lock, pid 4242, PUB 41000, RPC 41001',
  tried: [],
  workdir: '/w',
};
const fromPorts: ResolvedEndpoints = {
  pubEndpoint: 'tcp://127.0.0.1:46503',
  rpcEndpoint: 'tcp://127.0.0.1:46504',
  via: 'ports',
  detail: 'deterministic ports of /w: PUB 46503, RPC 46504 (no lock file or registry entry names an instance there)',
  tried: ['no lock file at /w/.pando/ipc.lock'],
  workdir: '/w',
};
const answer = (instance_id: string): PingAnswer & { status: 'ok' } => ({ status: 'ok', instance_id });

/** An error as a value, so that marbles compare what matters: its reason and its message. */
const outcome = <A>(source: Observable<A>): Observable<A | { reason: string; message: string }> =>
  source.pipe(
    catchError((error: unknown) =>
      of(error instanceof InstanceNotConfirmedError ? { reason: error.reason, message: error.message } : { reason: 'unexpected', message: String(error) }),
    ),
  );

describe('confirmInstance', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('emits the discovery result, confirmed, when the instance answers with the id the file named', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const ping = cold('--a|', { a: answer('inst-lock') });
      const asked: string[] = [];
      const source = confirmInstance(fromLock, (endpoint) => {
        asked.push(endpoint);
        return ping;
      });
      expectObservable(source).toBe('--(r|)', { r: { ...fromLock, confirmedInstanceId: 'inst-lock' } });
      expectSubscriptions(ping.subscriptions).toBe('^-!');
      testScheduler.flush();
      expect(asked).toEqual(['tcp://127.0.0.1:41001']);
    });
  });

  it('refuses an instance that answers with another id', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const source = confirmInstance(fromLock, () => cold('-a|', { a: answer('someone-else') }));
      expectObservable(outcome(source)).toBe('-(e|)', {
        e: {
          reason: 'other-instance',
          message: `not confirmed: ${fromLock.detail}: instance.ping at tcp://127.0.0.1:41001 answered as instance "someone-else", not "inst-lock"`,
        },
      });
    });
  });

  it('accepts any id when nothing named one (the deterministic ports)', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const source = confirmInstance(fromPorts, () => cold('-a|', { a: answer('whoever') }));
      expectObservable(source).toBe('-(r|)', { r: { ...fromPorts, confirmedInstanceId: 'whoever' } });
    });
  });

  it('checks a registry entry against its instance_id', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    const [entry] = listInstances({ registryDir: dir }).instances;
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(confirmInstance(entry!, () => cold('-a|', { a: answer('a') }))).toBe('-(r|)', { r: { ...entry!, confirmedInstanceId: 'a' } });
      expectObservable(outcome(confirmInstance(entry!, () => cold('-b|', { b: answer('b') })))).toBe('-(e|)', {
        e: {
          reason: 'other-instance',
          message: `not confirmed: registry entry ${entry!.file}: instance.ping at tcp://127.0.0.1:45001 answered as instance "b", not "a"`,
        },
      });
    });
  });

  it('times out after 5000 ms by default, and abandons the ping', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const ping = cold<PingAnswer>('-');
      expectObservable(outcome(confirmInstance(fromLock, () => ping))).toBe(`${DEFAULT_CONFIRM_TIMEOUT_MS}ms (e|)`, {
        e: { reason: 'timeout', message: `not confirmed: ${fromLock.detail}: instance.ping at tcp://127.0.0.1:41001 got no answer within 5000 ms` },
      });
      expectSubscriptions(ping.subscriptions).toBe(`^ ${DEFAULT_CONFIRM_TIMEOUT_MS - 1}ms !`);
    });
  });

  it('takes its timeout and scheduler from the options', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const source = confirmInstance(fromLock, () => cold<PingAnswer>('-'), { timeoutMs: 50, scheduler: testScheduler });
      expectObservable(outcome(source)).toBe('50ms (e|)', {
        e: { reason: 'timeout', message: `not confirmed: ${fromLock.detail}: instance.ping at tcp://127.0.0.1:41001 got no answer within 50 ms` },
      });
    });
  });

  it('says why when the ping fails, ends without an answer, throws, or answers without an id', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const asked = `not confirmed: ${fromLock.detail}: instance.ping at tcp://127.0.0.1:41001`;
      expectObservable(outcome(confirmInstance(fromLock, () => cold<PingAnswer>('--#', undefined, new Error('connection refused'))))).toBe('--(e|)', {
        e: { reason: 'no-answer', message: `${asked} failed: connection refused` },
      });
      expectObservable(outcome(confirmInstance(fromLock, () => cold<PingAnswer>('--|')))).toBe('--(e|)', {
        e: { reason: 'no-answer', message: `${asked} ended without an answer` },
      });
      const throwing = (): Observable<PingAnswer> => {
        throw new Error('no transport');
      };
      expectObservable(outcome(confirmInstance(fromLock, throwing))).toBe('(e|)', { e: { reason: 'no-answer', message: `${asked} failed: no transport` } });
      const noId = cold('-a|', { a: { status: 'ok' } as unknown as PingAnswer });
      expectObservable(outcome(confirmInstance(fromLock, () => noId))).toBe('-(e|)', {
        e: { reason: 'bad-answer', message: `${asked} answered without a string instance_id` },
      });
    });
  });

  it('keeps the ping’s error as cause', async () => {
    const failure = new Error('connection refused');
    const error = await firstValueFrom(confirmInstance(fromLock, () => Promise.reject(failure))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceNotConfirmedError);
    expect(error).toMatchObject({ reason: 'no-answer', cause: failure, discovered: fromLock });
  });

  it('unsubscribing abandons the ping at once', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const ping = cold('-----a|', { a: answer('inst-lock') });
      expectObservable(confirmInstance(fromLock, () => ping), '^--!').toBe('');
      expectSubscriptions(ping.subscriptions).toBe('^--!');
    });
  });

  it('takes a Promise as well', async () => {
    await expect(firstValueFrom(confirmInstance(fromLock, async () => answer('inst-lock')))).resolves.toEqual({ ...fromLock, confirmedInstanceId: 'inst-lock' });
  });

  it('refuses a lock that names pid 1 and port 22: the pid is alive, but no Pando answers there', async () => {
    const workdir = await tempDir();
    const registryDir = await tempDir();
    await writeLock(workdir, lockJson({ instance_id: 'inst-forged', pid: 1, pub_port: 22, rpc_port: 22 }));
    const found = resolveEndpoints(workdir, { registryDir, isAlive: (pid) => pid === 1 || isPidAlive(pid) });
    // Discovery alone takes the claim: a live pid and valid ports.
    expect(found).toMatchObject({ via: 'lock', instanceId: 'inst-forged', rpcEndpoint: 'tcp://127.0.0.1:22' });
    expect(found.detail).toBe(`lock file ${lockPath(workdir)}: instance inst-forged, pid 1, PUB 22, RPC 22`);

    // What an SSH server does with a ZeroMQ ping: never answers it.
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(outcome(confirmInstance(found, () => cold<PingAnswer>('-')))).toBe('5000ms (e|)', {
        e: { reason: 'timeout', message: `not confirmed: ${found.detail}: instance.ping at tcp://127.0.0.1:22 got no answer within 5000 ms` },
      });
      // And a Pando that happens to listen there, but is another instance, is refused as well.
      expectObservable(outcome(confirmInstance(found, () => cold('-a|', { a: answer('inst-real') })))).toBe('-(e|)', {
        e: { reason: 'other-instance', message: `not confirmed: ${found.detail}: instance.ping at tcp://127.0.0.1:22 answered as instance "inst-real", not "inst-forged"` },
      });
    });
  });
});
