import type { FakeInstance } from '../../src/testing';

/** A registry file's JSON (`/tmp/pando-instances/<id>.json`), as Pando writes it. */
export interface RegistryFileJson {
  readonly instance_id: string;
  readonly path: string;
  readonly pid: number;
  readonly pub_port: number;
  readonly rpc_port: number;
  readonly started_at: string;
  readonly mode: string;
  readonly is_primary: boolean;
}

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
