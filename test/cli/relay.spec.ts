import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, firstValueFrom } from 'rxjs';
import { run, type CliIo } from '../../src/cli/main.js';
import { withoutCredentials } from '../../src/cli/relay.js';
import { connectNats } from '../../src/observables/transports/nats/connect-nats.js';
import { startFakeInstance } from '../../src/testing';
import { startNatsServer } from '../helpers/nats-server';
import { waitFor } from '../helpers/live';
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

  it('is a usage error without --nats', async () => {
    const stdout = sink();
    const stderr = sink();
    const code = await run(['relay'], { stdout, stderr, env: {}, cwd: tmpdir(), isTTY: false });
    expect(code).toBe(2);
    expect(stderr.text()).toContain('--nats');
  });
});
