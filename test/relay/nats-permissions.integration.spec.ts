import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, takeWhile, toArray } from 'rxjs';
import { watchFleet } from '../../src/observables/fleet';
import { startFakeInstance } from '../../src/testing';
import { startRelay } from '../../src/relay/start-relay.js';
import { connectNats } from '../../src/observables/transports/nats/connect-nats.js';
import { RpcError } from '../../src/observables/rpc-errors';
import { RelayErrorCode } from '../../src/observables/transports/nats/subjects.js';
import { startNatsServer } from '../helpers/nats-server';
import { waitFor } from '../helpers/live';
import { registryEntryOf } from '../helpers/registry';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The server configuration of docs/scale-out.md, as written there, with test passwords and no `listen` (the helper sets it). */
const docsConfig = (): string => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'scale-out.md'), 'utf8');
  const block = /```\n(listen: [^\n]*\n[\s\S]*?)```/.exec(doc);
  if (block === null) throw new Error('no server configuration in docs/scale-out.md');
  return block[1]!
    .replace(/^listen: .*$/m, '')
    .replace('$RELAY_PASSWORD', '"relay-pw"')
    .replace('$DASHBOARD_PASSWORD', '"dashboard-pw"')
    .replace('$OPERATOR_PASSWORD', '"operator-pw"');
};

describe('the server configuration of docs/scale-out.md (real nats-server)', () => {
  it('lets a dashboard read but not control, and an operator control, through a relay that allows control', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pando-rx-perms-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'nats.conf'), docsConfig());
    const nats = await startNatsServer(['-c', join(dir, 'nats.conf'), '-js', '-sd', join(dir, 'store')]);
    closers.push(() => nats.kill());
    const fake = await startFakeInstance({ mode: 'full', heartbeatIntervalMs: 50, sessions: [{ id: 's1', title: 'First', updated_at: new Date('2026-03-01T10:00:00Z'), message_count: 1 }] });
    closers.push(() => fake.stop({ silent: true }));
    const entry = registryEntryOf(fake);
    writeFileSync(join(dir, `${fake.instanceId}.json`), JSON.stringify(entry));
    const relay = await startRelay({ nats: { servers: nats.url, user: 'relay', pass: 'relay-pw' }, registryDir: dir, pollIntervalMs: 50, allowControl: true, replay: { maxAgeMs: 60_000 } });
    closers.push(() => relay.close());
    await waitFor(relay.instances$, (ids) => ids.length === 1);

    const dashboard = connectNats({ nats: { servers: nats.url, user: 'dashboard', pass: 'dashboard-pw' }, instanceId: fake.instanceId, rpcTimeoutMs: 10_000 });
    closers.push(() => dashboard.close());
    await waitFor(dashboard.events$, (event) => event.topic === 'instance.heartbeat');
    expect((await firstValueFrom(dashboard.listSessions())).map((session) => session.id)).toEqual(['s1']);
    // Refused by the server itself, said at once as a typed error: not the 10 s timeout of the
    // call (that would be an RpcTimeoutError, which is no RpcError), so no clock is needed.
    const refused = await firstValueFrom(dashboard.activateSession('s1')).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(RpcError);
    expect(refused).toMatchObject({ code: RelayErrorCode.PermissionDenied });
    // The connection and its streams live on: reads still work.
    expect((await firstValueFrom(dashboard.listSessions())).map((session) => session.id)).toEqual(['s1']);
    expect(fake.requests.map((request) => request.method)).not.toContain('session.activate');

    // A dashboard may replay (the JetStream API of the event streams) and watch the fleet.
    const replaying = connectNats({ nats: { servers: nats.url, user: 'dashboard', pass: 'dashboard-pw' }, instanceId: fake.instanceId, replay: { last: 60_000 } });
    closers.push(() => replaying.close());
    const replayed: string[] = [];
    const listening = replaying.events$.subscribe((event) => replayed.push(event.topic));
    closers.push(() => listening.unsubscribe());
    const reports = await firstValueFrom(replaying.replay$.pipe(takeWhile((report) => report.kind !== 'caught-up', true), toArray()));
    expect(reports.filter((report) => report.kind === 'gap' && report.reason === 'no-history')).toEqual([]);
    expect(reports[reports.length - 1]).toMatchObject({ kind: 'caught-up' });
    expect((reports[reports.length - 1] as { replayed: number }).replayed).toBeGreaterThan(0);
    expect(replayed).toContain('instance.heartbeat');
    const fleet = watchFleet({ nats: { servers: nats.url, user: 'dashboard', pass: 'dashboard-pw' } });
    expect((await waitFor(fleet.changes$, (change) => change.kind === 'joined')).instance.instance_id).toBe(fake.instanceId);

    const operator = connectNats({ nats: { servers: nats.url, user: 'operator', pass: 'operator-pw' }, instanceId: fake.instanceId, rpcTimeoutMs: 5000 });
    closers.push(() => operator.close());
    await expect(firstValueFrom(operator.activateSession('s1'))).resolves.toEqual({ ok: true });
    expect(fake.requests.map((request) => request.method)).toContain('session.activate');
  });
});
