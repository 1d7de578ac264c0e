import type * as t from 'io-ts';
import type { RegistryEntry } from '../../src/codecs/discovery';
import type { FakeInstance } from '../../src/testing';

/** A registry file's JSON (`/tmp/pando-instances/<id>.json`), as Pando writes it: what the codec reads. */
export type RegistryFileJson = t.OutputOf<typeof RegistryEntry>;

/** The registry entry of a fake instance, alive (this process's pid). */
export const registryEntryOf = (fake: FakeInstance, overrides: Partial<RegistryFileJson> = {}): RegistryFileJson => ({
  instance_id: fake.instanceId,
  path: `/work/${fake.instanceId}`,
  pid: process.pid,
  pub_port: fake.pubPort,
  rpc_port: fake.rpcPort,
  started_at: '2026-03-01T10:00:00Z',
  mode: 'tui',
  is_primary: true,
  ...overrides,
});
