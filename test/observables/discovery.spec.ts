import fs, { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { DEFAULT_REGISTRY_DIR, listInstances, listInstancesSync, resolveRegistryDir } from '../../src/observables/discovery/registry.js';
import { fnv1a32, portsForPath } from '../../src/observables/discovery/ports.js';
import { isPidAlive } from '../../src/observables/discovery/pid.js';
import { lockPath, readLock, readLockSync } from '../../src/observables/discovery/lock-file.js';
import { resolveEndpoints, resolveEndpointsSync } from '../../src/observables/discovery/resolve.js';
import { deadPid, entryJson, lockJson, tempDir, writeJson, writeLock } from './discovery-fixtures.js';

describe('fnv1a32 and portsForPath', () => {
  it('hashes the FNV-1a reference strings', () => {
    const enc = new TextEncoder();
    expect(fnv1a32(enc.encode(''))).toBe(0x811c9dc5);
    expect(fnv1a32(enc.encode('a'))).toBe(0xe40c292c);
    expect(fnv1a32(enc.encode('foobar'))).toBe(0xbf9cf968);
  });

  it.each([
    ['/home/user/project', 46503, 46504],
    ['/srv/agents/demo', 43596, 43597],
    ['/tmp/a b/ü', 47617, 47618],
  ])('%s → %i / %i (PROTOCOL.md test vectors)', (p, pubPort, rpcPort) => {
    expect(portsForPath(p)).toEqual({ pubPort, rpcPort });
  });

  it('resolves a relative path against the current directory and normalizes it', () => {
    expect(portsForPath('.')).toEqual(portsForPath(process.cwd()));
    expect(portsForPath('/home/user/./x/../project/')).toEqual({ pubPort: 46503, rpcPort: 46504 });
  });

  it('does not follow symbolic links: a link hashes as its own path', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'target');
    const link = path.join(dir, 'link');
    await fsp.mkdir(target);
    await fsp.symlink(target, link);
    const base = 40000 + (fnv1a32(new TextEncoder().encode(link)) % 20000);
    expect(portsForPath(link)).toEqual({ pubPort: base, rpcPort: base + 1 });
    expect(lockPath(link)).toBe(path.join(link, '.pando', 'ipc.lock'));
  });

  it('puts PUB in [40000, 60000) and RPC at PUB + 1, for any path', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (p) => {
        const { pubPort, rpcPort } = portsForPath(`/${p}`);
        return Number.isInteger(pubPort) && pubPort >= 40000 && pubPort < 60000 && rpcPort === pubPort + 1;
      }),
    );
  });

  it('gives an unsigned 32-bit integer for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        const h = fnv1a32(bytes);
        return Number.isInteger(h) && h >= 0 && h <= 0xffffffff;
      }),
    );
  });
});

describe('readLock', () => {
  it('finds and decodes <workdir>/.pando/ipc.lock', async () => {
    const workdir = await tempDir();
    await writeLock(workdir, lockJson());
    const result = readLock(workdir);
    expect(result).toEqual({
      kind: 'found',
      path: path.join(workdir, '.pando', 'ipc.lock'),
      lock: { ...lockJson(), started_at: new Date(Date.UTC(2026, 2, 1, 10, 20, 30, 123)) },
    });
  });

  it('says absent when there is no lock file (or no .pando directory)', async () => {
    const workdir = await tempDir();
    expect(readLock(workdir)).toEqual({ kind: 'absent', path: path.join(workdir, '.pando', 'ipc.lock') });
    await fsp.writeFile(path.join(workdir, '.pando'), 'a file, not a directory');
    expect(readLock(workdir).kind).toBe('absent');
  });

  it('says invalid, naming the file and the byte where it stops being JSON, when the lock is not JSON', async () => {
    const workdir = await tempDir();
    await fsp.mkdir(path.join(workdir, '.pando'));
    await fsp.writeFile(lockPath(workdir), '{"instance_id": ');
    expect(readLock(workdir)).toEqual({
      kind: 'invalid',
      problem: 'not-json',
      path: lockPath(workdir),
      reason: `${lockPath(workdir)}: not JSON at byte 16 (expected a value)`,
    });
  });

  it('says invalid for an empty lock (caught mid-write)', async () => {
    const workdir = await tempDir();
    await fsp.mkdir(path.join(workdir, '.pando'));
    await fsp.writeFile(lockPath(workdir), '');
    expect(readLock(workdir)).toMatchObject({ kind: 'invalid', problem: 'not-json', reason: `${lockPath(workdir)}: not JSON (the file is empty)` });
  });

  it('says invalid with the io-ts path when the JSON does not match LockInfo', async () => {
    const workdir = await tempDir();
    await writeLock(workdir, lockJson({ pub_port: 70000 }));
    const result = readLock(workdir);
    expect(result).toMatchObject({
      kind: 'invalid',
      problem: 'invalid',
      reason: `${lockPath(workdir)}: pub_port: expected port (1-65535), got an integer`,
      issues: [{ path: 'pub_port', message: 'expected port (1-65535), got an integer' }],
    });
  });

  it('says invalid when a directory stands where the lock should be', async () => {
    const workdir = await tempDir();
    await fsp.mkdir(lockPath(workdir), { recursive: true });
    expect(readLock(workdir)).toEqual({
      kind: 'invalid',
      problem: 'not-regular',
      path: lockPath(workdir),
      reason: `${lockPath(workdir)}: is a directory, not a regular file`,
    });
  });

  it('says invalid with the errno code when the system refuses to open the lock', async () => {
    const workdir = await tempDir();
    await writeLock(workdir, lockJson());
    const open = jest.spyOn(fs, 'openSync').mockImplementation(() => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    });
    try {
      expect(readLock(workdir)).toEqual({
        kind: 'invalid',
        problem: 'unreadable',
        code: 'EACCES',
        path: lockPath(workdir),
        reason: `${lockPath(workdir)}: cannot be read (EACCES)`,
      });
    } finally {
      open.mockRestore();
    }
  });

  it('drops keys that LockInfo does not list', async () => {
    const workdir = await tempDir();
    await writeLock(workdir, { ...lockJson(), version: 2, ['__proto__']: { isAdmin: true } });
    const result = readLock(workdir);
    expect(result.kind === 'found' && Object.keys(result.lock).sort()).toEqual(['instance_id', 'pid', 'pub_port', 'rpc_port', 'started_at']);
    expect(result.kind === 'found' && Object.getPrototypeOf(result.lock)).toBe(Object.prototype);
  });

  it('readLockSync is the deprecated name of readLock', () => {
    expect(readLockSync).toBe(readLock);
  });
});

describe('isPidAlive', () => {
  afterEach(() => jest.restoreAllMocks());

  it('says this process is alive and an exited one is not', async () => {
    expect(isPidAlive(process.pid)).toBe(true);
    expect(isPidAlive(await deadPid())).toBe(false);
  });

  it('never signals a process group: 0, negative and non-integer PIDs are not alive', () => {
    const kill = jest.spyOn(process, 'kill');
    for (const pid of [0, -1, 1.5, Number.NaN]) expect(isPidAlive(pid)).toBe(false);
    expect(kill).not.toHaveBeenCalled();
  });

  it('counts EPERM (another user’s process) as alive', () => {
    jest.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    });
    expect(isPidAlive(12345)).toBe(true);
  });
});

describe('registry directory', () => {
  const saved = process.env.PANDO_REGISTRY_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.PANDO_REGISTRY_DIR;
    else process.env.PANDO_REGISTRY_DIR = saved;
  });

  it('is /tmp/pando-instances literally, overridden by $PANDO_REGISTRY_DIR, overridden by the option', async () => {
    delete process.env.PANDO_REGISTRY_DIR;
    expect(resolveRegistryDir()).toBe(DEFAULT_REGISTRY_DIR);
    expect(DEFAULT_REGISTRY_DIR).toBe('/tmp/pando-instances');
    process.env.PANDO_REGISTRY_DIR = '';
    expect(resolveRegistryDir()).toBe('/tmp/pando-instances');
    process.env.PANDO_REGISTRY_DIR = '/var/run/pando';
    expect(resolveRegistryDir()).toBe('/var/run/pando');
    expect(resolveRegistryDir('/elsewhere')).toBe('/elsewhere');
  });

  it('listInstances reads $PANDO_REGISTRY_DIR when no option is given', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'inst-1.json'), entryJson());
    process.env.PANDO_REGISTRY_DIR = dir;
    expect(listInstances().instances.map((i) => i.instance_id)).toEqual(['inst-1']);
  });
});

describe('listInstances', () => {
  it('lists live entries with endpoints, stale ones apart, reports bad files, ignores non-JSON names', async () => {
    const dir = await tempDir();
    const dead = await deadPid();
    await writeJson(path.join(dir, 'live.json'), entryJson({ instance_id: 'live' }));
    await writeJson(path.join(dir, 'stale.json'), entryJson({ instance_id: 'stale', pid: dead }));
    await fsp.writeFile(path.join(dir, 'broken.json'), 'not json');
    await writeJson(path.join(dir, 'wrong.json'), entryJson({ mode: 'gui' }));
    await fsp.writeFile(path.join(dir, 'notes.txt'), 'not a registry file');
    await writeJson(path.join(dir, 'other.json.bak'), entryJson({ instance_id: 'backup' }));

    const listing = listInstances({ registryDir: dir });

    expect(listing.instances).toEqual([
      {
        ...entryJson({ instance_id: 'live' }),
        started_at: new Date(Date.UTC(2026, 2, 1, 10, 20, 30, 123)),
        file: path.join(dir, 'live.json'),
        pubEndpoint: 'tcp://127.0.0.1:45000',
        rpcEndpoint: 'tcp://127.0.0.1:45001',
      },
    ]);
    expect(listing.stale).toEqual([expect.objectContaining({ instance_id: 'stale', pid: dead, file: path.join(dir, 'stale.json') })]);
    expect(listing.invalid).toEqual([
      { file: path.join(dir, 'broken.json'), reason: `${path.join(dir, 'broken.json')}: not JSON at byte 1 (expected true, false or null)` },
      { file: path.join(dir, 'wrong.json'), reason: `${path.join(dir, 'wrong.json')}: mode: expected "tui" | "webui" | "desktop" | "acp" | "noninteractive" | "proxy", got a string` },
    ]);
  });

  it('asks the injected isAlive about each PID', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a', pid: 111 }));
    await writeJson(path.join(dir, 'b.json'), entryJson({ instance_id: 'b', pid: 222 }));
    const listing = listInstances({ registryDir: dir, isAlive: (pid) => pid === 222 });
    expect(listing.instances.map((i) => i.instance_id)).toEqual(['b']);
    expect(listing.stale.map((s) => s.instance_id)).toEqual(['a']);
  });

  it('sorts primaries first, then the most recently started', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, '1.json'), entryJson({ instance_id: 'old-secondary', is_primary: false, started_at: '2026-01-01T00:00:00Z' }));
    await writeJson(path.join(dir, '2.json'), entryJson({ instance_id: 'new-secondary', is_primary: false, started_at: '2026-02-01T00:00:00Z' }));
    await writeJson(path.join(dir, '3.json'), entryJson({ instance_id: 'old-primary', started_at: '2025-01-01T00:00:00Z' }));
    await writeJson(path.join(dir, '4.json'), entryJson({ instance_id: 'new-primary', started_at: '2025-06-01T00:00:00+02:00' }));
    const listing = listInstances({ registryDir: dir, isAlive: () => true });
    expect(listing.instances.map((i) => i.instance_id)).toEqual(['new-primary', 'old-primary', 'new-secondary', 'old-secondary']);
  });

  it('is an empty listing when the registry directory does not exist', async () => {
    const dir = await tempDir();
    expect(listInstances({ registryDir: path.join(dir, 'missing') })).toEqual({ instances: [], stale: [], invalid: [] });
  });

  it('reports a registry path that is a file, without failing', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'registry');
    await fsp.writeFile(file, '');
    expect(listInstances({ registryDir: file })).toEqual({
      instances: [],
      stale: [],
      invalid: [{ file, reason: `${file}: the registry is not a directory` }],
    });
  });

  it('listInstancesSync is the deprecated name of listInstances', () => {
    expect(listInstancesSync).toBe(listInstances);
  });
});

describe('resolveEndpoints', () => {
  it('resolveEndpointsSync is the deprecated name of resolveEndpoints', () => {
    expect(resolveEndpointsSync).toBe(resolveEndpoints);
  });

  it('uses the lock file when its PID is alive', async () => {
    const workdir = await tempDir();
    const registryDir = await tempDir();
    await writeLock(workdir, lockJson());
    expect(resolveEndpoints(workdir, { registryDir })).toEqual({
      pubEndpoint: 'tcp://127.0.0.1:41000',
      rpcEndpoint: 'tcp://127.0.0.1:41001',
      via: 'lock',
      instanceId: 'inst-lock',
      detail: `lock file ${lockPath(workdir)}: instance inst-lock, pid ${process.pid}, PUB 41000, RPC 41001`,
      tried: [],
      workdir,
    });
  });

  it('skips a lock whose PID is dead and takes the registry’s live primary entry for the directory', async () => {
    const workdir = await tempDir();
    const registryDir = await tempDir();
    const dead = await deadPid();
    await writeLock(workdir, lockJson({ pid: dead }));
    await writeJson(path.join(registryDir, 'other.json'), entryJson({ instance_id: 'other', path: '/somewhere/else', pub_port: 42000, rpc_port: 42001 }));
    await writeJson(path.join(registryDir, 'second.json'), entryJson({ instance_id: 'second', path: workdir, is_primary: false, pub_port: 43000, rpc_port: 43001 }));
    await writeJson(path.join(registryDir, 'prim.json'), entryJson({ instance_id: 'prim', path: `${workdir}/`, mode: 'webui' }));

    const resolved = resolveEndpoints(workdir, { registryDir });

    expect(resolved).toEqual({
      pubEndpoint: 'tcp://127.0.0.1:45000',
      rpcEndpoint: 'tcp://127.0.0.1:45001',
      via: 'registry',
      instanceId: 'prim',
      detail: `registry entry ${path.join(registryDir, 'prim.json')}: primary instance prim (webui), pid ${process.pid}, PUB 45000, RPC 45001`,
      tried: [`lock file ${lockPath(workdir)} is stale: its pid ${dead} (instance inst-lock) is not running`],
      workdir,
    });
  });

  it('falls back to the deterministic ports, saying what it tried', async () => {
    const workdir = await tempDir();
    const registryDir = await tempDir();
    await writeJson(path.join(registryDir, 'gone.json'), entryJson({ instance_id: 'gone', path: workdir, pid: 4242 }));
    await writeJson(path.join(registryDir, 'second.json'), entryJson({ instance_id: 'second', path: workdir, pid: 4343, is_primary: false }));
    const isAlive = (pid: number): boolean => pid === 4343;

    const resolved = resolveEndpoints(workdir, { registryDir, isAlive });

    const { pubPort, rpcPort } = portsForPath(workdir);
    expect(resolved).toMatchObject({
      pubEndpoint: `tcp://127.0.0.1:${pubPort}`,
      rpcEndpoint: `tcp://127.0.0.1:${rpcPort}`,
      via: 'ports',
      detail: `deterministic ports of ${workdir}: PUB ${pubPort}, RPC ${rpcPort} (no lock file or registry entry names an instance there)`,
      tried: [
        `no lock file at ${lockPath(workdir)}`,
        `no live primary instance for ${workdir} in the registry ${registryDir}: ` +
          "1 secondary instance (second) runs there, but only the primary uses the directory's ports; " +
          '1 stale entry for it (gone, pid 4242)',
      ],
    });
    expect(resolved.instanceId).toBeUndefined();
  });

  it('says so when the lock is invalid and the registry does not exist, and resolves a relative workdir', async () => {
    const workdir = await tempDir();
    const registryDir = path.join(workdir, 'no-registry');
    await writeLock(workdir, lockJson({ rpc_port: 'x' }));
    const relative = path.relative(process.cwd(), workdir);

    const resolved = resolveEndpoints(relative, { registryDir });

    expect(resolved.via).toBe('ports');
    expect(resolved.workdir).toBe(workdir);
    expect(resolved.pubEndpoint).toBe(`tcp://127.0.0.1:${portsForPath(workdir).pubPort}`);
    expect(resolved.tried).toEqual([
      `lock file ignored: ${lockPath(workdir)}: rpc_port: expected port (1-65535), got a string`,
      `no registry at ${registryDir}`,
    ]);
  });
});
