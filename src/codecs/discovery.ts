import * as t from 'io-ts';
import { Integer, Rfc3339Date } from './values.js';

/** A TCP port number: an integer from 1 to 65535. */
export const Port = new t.Type<number, number, unknown>(
  'port (1-65535)',
  (u): u is number => Integer.is(u) && u >= 1 && u <= 65535,
  (u, c) =>
    Integer.is(u) && u >= 1 && u <= 65535 ? t.success(u) : t.failure(u, c, `expected port (1-65535), got ${u === undefined ? 'nothing' : JSON.stringify(u)}`),
  t.identity,
);
export type Port = t.TypeOf<typeof Port>;

/** `<workdir>/.pando/ipc.lock`, written by the primary instance of a working directory. */
export const LockInfo = t.type(
  { instance_id: t.string, pid: Integer, pub_port: Port, rpc_port: Port, started_at: Rfc3339Date },
  'LockInfo',
);
export type LockInfo = t.TypeOf<typeof LockInfo>;

/** How an instance runs. */
export const InstanceMode = t.keyof({ tui: null, webui: null, desktop: null, acp: null, noninteractive: null, proxy: null });
export type InstanceMode = t.TypeOf<typeof InstanceMode>;

/** `/tmp/pando-instances/<instance_id>.json`: one file per running instance. */
export const RegistryEntry = t.type(
  {
    instance_id: t.string,
    path: t.string,
    pid: Integer,
    pub_port: Port,
    rpc_port: Port,
    started_at: Rfc3339Date,
    mode: InstanceMode,
    is_primary: t.boolean,
  },
  'RegistryEntry',
);
export type RegistryEntry = t.TypeOf<typeof RegistryEntry>;
