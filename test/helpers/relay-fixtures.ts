import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeInstance, type FakeInstance } from '../../src/testing';
import { registryEntryOf } from './registry';

/** What a test closes at its end (each spec runs them in reverse order in its `afterEach`). */
export type Closers = Array<() => Promise<void> | void>;

/** A temporary registry holding `fake`'s entry, removed at the end of the test. */
export const registryWith = (closers: Closers, fake: FakeInstance): string => {
  const registryDir = mkdtempSync(join(tmpdir(), 'pando-rx-registry-'));
  closers.push(() => rmSync(registryDir, { recursive: true, force: true }));
  writeFileSync(join(registryDir, `${fake.instanceId}.json`), JSON.stringify(registryEntryOf(fake)));
  return registryDir;
};

/** A "host": a fake instance in a registry of its own, both gone at the end of the test. */
export const host = async (closers: Closers): Promise<{ fake: FakeInstance; registryDir: string }> => {
  const fake = await startFakeInstance({ mode: 'full', heartbeatIntervalMs: 50 });
  closers.push(() => fake.stop({ silent: true }));
  return { fake, registryDir: registryWith(closers, fake) };
};

/** Resolves once `condition()` holds (checked every 10 ms; the guard turns a hang into a failure). */
export const until = (condition: () => boolean, guardMs = 10_000): Promise<void> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const check = (): void => {
      if (condition()) resolve();
      else if (Date.now() - started > guardMs) reject(new Error('condition not met in time'));
      else setTimeout(check, 10);
    };
    check();
  });
