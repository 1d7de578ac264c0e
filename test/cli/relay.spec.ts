import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, firstValueFrom, takeWhile, toArray } from 'rxjs';
import { run, type CliIo } from '../../src/cli/main.js';
import { withoutCredentials } from '../../src/index.js';
import { connectNats } from '../../src/observables/transports/nats/connect-nats.js';
import { startFakeInstance } from '../../src/testing';
import { startNatsServer } from '../helpers/nats-server';
import { freePort, waitFor } from '../helpers/live';
import { registryEntryOf } from '../helpers/registry';

const SECRET = 's3cret-pass-42';

/** A text sink that also tells each write. */
const sink = () => {
  let text = '';
  const writes = new Subject<string>();
  return { write: (chunk: string) => void (text += chunk, writes.next(text)), text: () => text, writes };
};

describe('pando-rx relay', () => {
  it('strips credentials from a server URL before it is shown', () => {
    expect(withoutCredentials(`nats://relay:${SECRET}@hub.example:4222`)).toBe('nats://hub.example:4222');
    expect(withoutCredentials('nats://hub.example:4222')).toBe('nats://hub.example:4222');
  });

  it('relays the registry to NATS until Ctrl-C, with credentials from the environment, never printed', async () => {
    const nats = await startNatsServer(['--user', 'relay', '--pass', SECRET]);
    const fake = await startFakeInstance({ mode: 'full', heartbeatIntervalMs: 0 });
    const registry = mkdtempSync(join(tmpdir(), 'pando-rx-relay-cli-'));
    const controller = new AbortController();
    try {
      const entry = registryEntryOf(fake);
      writeFileSync(join(registry, `${fake.instanceId}.json`), JSON.stringify(entry));
      const stdout = sink();
      const stderr = sink();
      const io: CliIo = { stdout, stderr, env: { NATS_USER: 'relay', NATS_PASSWORD: SECRET }, cwd: registry, isTTY: false, signal: controller.signal };
      const done = run(['relay', '--nats', nats.url, '--registry', registry], io);
      await waitFor(stdout.writes, (text) => text.includes(`instances (1): ${fake.instanceId}`));
      expect(stdout.text()).toContain(`to ${nats.url} (read-only)`);

      const client = connectNats({ nats: { servers: nats.url, user: 'relay', pass: SECRET }, instanceId: fake.instanceId, rpcTimeoutMs: 5000 });
      try {
        expect((await firstValueFrom(client.ping())).instance_id).toBe(fake.instanceId);
      } finally {
        client.close();
      }

      controller.abort();
      expect(await done).toBe(0);
      expect(stdout.text()).toContain('stopped');
      expect(stdout.text() + stderr.text()).not.toContain(SECRET);
    } finally {
      controller.abort();
      rmSync(registry, { recursive: true, force: true });
      await fake.stop({ silent: true });
      await nats.kill();
    }
  });

  it('--replay keeps each instance\'s events in JetStream: a client replays them (no no-history gap)', async () => {
    const store = mkdtempSync(join(tmpdir(), 'pando-rx-relay-cli-js-'));
    const nats = await startNatsServer(['-js', '-sd', store]);
    const fake = await startFakeInstance({ mode: 'full', heartbeatIntervalMs: 0 });
    const registry = mkdtempSync(join(tmpdir(), 'pando-rx-relay-cli-'));
    const controller = new AbortController();
    try {
      writeFileSync(join(registry, `${fake.instanceId}.json`), JSON.stringify(registryEntryOf(fake)));
      const stdout = sink();
      const io: CliIo = { stdout, stderr: sink(), env: {}, cwd: registry, isTTY: false, signal: controller.signal };
      const done = run(['relay', '--nats', nats.url, '--registry', registry, '--replay', '15m', '--replay-max-messages', '100'], io);
      await waitFor(stdout.writes, (text) => text.includes(`instances (1): ${fake.instanceId}`));
      expect(stdout.text()).toContain('events kept');
      let before = new Date();
      const witness = connectNats({ nats: { servers: nats.url }, instanceId: fake.instanceId });
      try {
        await waitFor(witness.status$, (status) => status === 'alive');
        // The relay's status is up once the stream exists and the events flow: ask from here.
        before = new Date();
        await fake.publishTopic('llm.token', { session_id: 's1', token: 'kept' });
        await waitFor(witness.events$, (event) => event.topic === 'llm.token');
      } finally {
        witness.close();
      }
      const late = connectNats({ nats: { servers: nats.url }, instanceId: fake.instanceId, replay: { since: before } });
      try {
        // Kept subscribed: the link (and its replay) lives while someone listens.
        const tokens: string[] = [];
        const listening = late.on('llm.token').subscribe((event) => tokens.push(event.payload.token));
        const reports = await firstValueFrom(late.replay$.pipe(takeWhile((report) => report.kind !== 'caught-up', true), toArray()));
        expect(reports.map((report) => report.kind)).toEqual(['replaying', 'caught-up']);
        expect(tokens).toEqual(['kept']);
        listening.unsubscribe();
      } finally {
        late.close();
      }
      controller.abort();
      expect(await done).toBe(0);
    } finally {
      controller.abort();
      rmSync(registry, { recursive: true, force: true });
      await fake.stop({ silent: true });
      await nats.kill();
      rmSync(store, { recursive: true, force: true });
    }
  });

  it('says plainly, and exits 1, when no NATS server can be reached (no credential printed)', async () => {
    const stdout = sink();
    const stderr = sink();
    const port = await freePort();
    const code = await run(['relay', '--nats', `nats://127.0.0.1:${port}`], { stdout, stderr, env: { NATS_USER: 'relay', NATS_PASSWORD: SECRET }, cwd: tmpdir(), isTTY: false });
    expect(code).toBe(1);
    expect(stderr.text()).toContain(`no NATS server could be reached at nats://127.0.0.1:${port}`);
    expect(stdout.text() + stderr.text()).not.toContain(SECRET);
  });

  it('is a usage error with a duration it cannot read, or --replay-max-messages alone', async () => {
    for (const args of [['--replay', '15'], ['--replay', 'soon'], ['--replay-max-messages', '5']]) {
      const stderr = sink();
      const code = await run(['relay', '--nats', 'nats://127.0.0.1:4222', ...args], { stdout: sink(), stderr, env: {}, cwd: tmpdir(), isTTY: false });
      expect(code).toBe(2);
      expect(stderr.text()).toMatch(/duration|--replay/);
    }
  });

  it('is a usage error without --nats', async () => {
    const stdout = sink();
    const stderr = sink();
    const code = await run(['relay'], { stdout, stderr, env: {}, cwd: tmpdir(), isTTY: false });
    expect(code).toBe(2);
    expect(stderr.text()).toContain('--nats');
  });
});
