import * as t from 'io-ts';
import { isLeft, type Either } from 'fp-ts/lib/Either.js';
import { describeErrors, summarizeIssues } from '../../src/codecs/errors.js';
import { InstanceMode, LockInfo, Port, RegistryEntry } from '../../src/codecs/discovery.js';

const T0 = '2026-03-01T10:20:30.123456789+01:00';
const T0_MS = Date.UTC(2026, 2, 1, 9, 20, 30, 123);

const ok = <A>(result: Either<t.Errors, A>): A => {
  if (isLeft(result)) throw new Error(summarizeIssues(describeErrors(result.left)));
  return result.right;
};
const failure = (result: Either<t.Errors, unknown>): string => {
  if (!isLeft(result)) throw new Error('expected a failure');
  return summarizeIssues(describeErrors(result.left));
};

describe('Port', () => {
  it.each([1, 40000, 46503, 65535])('accepts %p', (port) => {
    expect(ok(Port.decode(port))).toBe(port);
  });

  it.each([
    [0, 'expected port (1-65535), got 0'],
    [65536, 'expected port (1-65535), got 65536'],
    [-1, 'expected port (1-65535), got -1'],
    [4650.5, 'expected port (1-65535), got 4650.5'],
    ['46503', 'expected port (1-65535), got "46503"'],
    [null, 'expected port (1-65535), got null'],
  ])('rejects %p', (port, message) => {
    expect(failure(Port.decode(port))).toBe(message);
  });
});

describe('LockInfo (<workdir>/.pando/ipc.lock)', () => {
  const lock = { instance_id: 'inst-1', pid: 4242, pub_port: 46503, rpc_port: 46504, started_at: T0 };

  it('decodes a lock file with started_at as a Date', () => {
    expect(ok(LockInfo.decode(lock))).toEqual({ ...lock, started_at: new Date(T0_MS) });
  });

  it('tolerates extra keys', () => {
    expect(ok(LockInfo.decode({ ...lock, version: 2 }))).toMatchObject({ version: 2, pid: 4242 });
  });

  it.each([
    ['a port out of range', { ...lock, pub_port: 70000 }, 'pub_port: expected port (1-65535), got 70000'],
    ['a port as a string', { ...lock, rpc_port: '46504' }, 'rpc_port: expected port (1-65535), got "46504"'],
    ['a fractional pid', { ...lock, pid: 1.5 }, 'pid: expected integer, got 1.5 (not a whole number)'],
    ['a bad started_at', { ...lock, started_at: '2026-03-01' }, 'started_at: expected RFC 3339 time, got "2026-03-01" (not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm))'],
  ])('rejects %s', (_name, value, message) => {
    expect(failure(LockInfo.decode(value))).toBe(message);
  });

  it.each([
    ['instance_id', 'instance_id: expected string, got nothing'],
    ['pid', 'pid: expected integer, got nothing'],
    ['pub_port', 'pub_port: expected port (1-65535), got nothing'],
    ['rpc_port', 'rpc_port: expected port (1-65535), got nothing'],
    ['started_at', 'started_at: expected RFC 3339 time, got nothing'],
  ] as const)('rejects a lock without %s', (key, message) => {
    const { [key]: _omitted, ...rest } = lock;
    expect(failure(LockInfo.decode(rest))).toBe(message);
  });

  it('encodes started_at back to RFC 3339 in UTC', () => {
    expect(LockInfo.encode(ok(LockInfo.decode(lock)))).toEqual({ ...lock, started_at: '2026-03-01T09:20:30.123Z' });
  });
});

describe('RegistryEntry (/tmp/pando-instances/<instance_id>.json)', () => {
  const entry = {
    instance_id: 'inst-1',
    path: '/home/user/project',
    pid: 4242,
    pub_port: 46503,
    rpc_port: 46504,
    started_at: T0,
    mode: 'tui',
    is_primary: true,
  };

  it.each(['tui', 'webui', 'desktop', 'acp', 'noninteractive', 'proxy'])('decodes an entry in mode %s', (mode) => {
    expect(ok(RegistryEntry.decode({ ...entry, mode }))).toEqual({ ...entry, mode, started_at: new Date(T0_MS) });
    expect(InstanceMode.is(mode)).toBe(true);
  });

  it('decodes a secondary instance', () => {
    expect(ok(RegistryEntry.decode({ ...entry, is_primary: false, pub_port: 51234, rpc_port: 51240 }))).toMatchObject({
      is_primary: false,
      pub_port: 51234,
      rpc_port: 51240,
    });
  });

  it.each([
    ['a bad mode', { ...entry, mode: 'daemon' }, 'mode: expected "tui" | "webui" | "desktop" | "acp" | "noninteractive" | "proxy", got "daemon"'],
    ['a mode in capitals', { ...entry, mode: 'TUI' }, 'mode: expected "tui" | "webui" | "desktop" | "acp" | "noninteractive" | "proxy", got "TUI"'],
    ['a bad port', { ...entry, rpc_port: 0 }, 'rpc_port: expected port (1-65535), got 0'],
    ['is_primary as a string', { ...entry, is_primary: 'true' }, 'is_primary: expected boolean, got "true"'],
    ['a missing path', (({ path: _p, ...rest }) => rest)(entry), 'path: expected string, got nothing'],
    ['a missing mode', (({ mode: _m, ...rest }) => rest)(entry), 'mode: expected "tui" | "webui" | "desktop" | "acp" | "noninteractive" | "proxy", got nothing'],
    ['null', null, 'expected RegistryEntry, got null'],
  ])('rejects %s', (_name, value, message) => {
    expect(failure(RegistryEntry.decode(value))).toBe(message);
  });

  it('counts several bad keys', () => {
    expect(failure(RegistryEntry.decode({ ...entry, pid: '4242', pub_port: 99999 }))).toBe(
      'pid: expected integer, got "4242" (and 1 more)',
    );
  });
});
