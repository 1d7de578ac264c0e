import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import type { Observable, Subscription } from 'rxjs';
import {
  DEFAULT_REGISTRY_DIR,
  fnv1a32,
  instances$,
  isPidAlive,
  listInstances,
  lockPath,
  portsForPath,
  readLock,
  resolveEndpoints,
  resolveRegistryDir,
  type InstanceListing,
} from '../../src/observables/discovery.js';

// Every test makes its own temp directories (removed in afterEach), waits on emissions or
// promises, never on fixed sleeps, and unsubscribes what it subscribes.

const temps: string[] = [];
const tempDir = async (): Promise<string> => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pando-rx-discovery-'));
  temps.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => fsp.rm(dir, { recursive: true, force: true })));
});

/** The PID of a process that has exited: spawn `node -e ""` and wait for its exit. */
const deadPid = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => (child.pid === undefined ? reject(new Error('no pid')) : resolve(child.pid)));
  });

const STARTED = '2026-03-01T10:20:30.123456789Z';
const lockJson = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  instance_id: 'inst-lock',
  pid: process.pid,
  pub_port: 41000,
  rpc_port: 41001,
  started_at: STARTED,
  ...over,
});
const entryJson = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  instance_id: 'inst-1',
  path: '/srv/agents/demo',
  pid: process.pid,
  pub_port: 45000,
  rpc_port: 45001,
  started_at: STARTED,
  mode: 'tui',
  is_primary: true,
  ...over,
});

const writeJson = (file: string, value: unknown): Promise<void> => fsp.writeFile(file, JSON.stringify(value));
const writeLock = async (workdir: string, value: unknown): Promise<void> => {
  await fsp.mkdir(path.join(workdir, '.pando'), { recursive: true });
  await writeJson(lockPath(workdir), value);
};

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
    const result = await readLock(workdir);
    expect(result).toEqual({
      kind: 'found',
      path: path.join(workdir, '.pando', 'ipc.lock'),
      lock: { ...lockJson(), started_at: new Date(Date.UTC(2026, 2, 1, 10, 20, 30, 123)) },
    });
  });

  it('says absent when there is no lock file (or no .pando directory)', async () => {
    const workdir = await tempDir();
    expect(await readLock(workdir)).toEqual({ kind: 'absent', path: path.join(workdir, '.pando', 'ipc.lock') });
    await fsp.writeFile(path.join(workdir, '.pando'), 'a file, not a directory');
    expect((await readLock(workdir)).kind).toBe('absent');
  });

  it('says invalid, naming the file, when the lock is not JSON', async () => {
    const workdir = await tempDir();
    await fsp.mkdir(path.join(workdir, '.pando'));
    await fsp.writeFile(lockPath(workdir), '{"instance_id": ');
    const result = await readLock(workdir);
    expect(result).toMatchObject({ kind: 'invalid', problem: 'not-json', path: lockPath(workdir) });
    expect(result.kind === 'invalid' && result.reason).toMatch(new RegExp(`^${lockPath(workdir)}: not JSON \\(`));
  });

  it('says invalid for an empty lock (caught mid-write)', async () => {
    const workdir = await tempDir();
    await fsp.mkdir(path.join(workdir, '.pando'));
    await fsp.writeFile(lockPath(workdir), '');
    expect(await readLock(workdir)).toMatchObject({ kind: 'invalid', problem: 'not-json', reason: `${lockPath(workdir)}: not JSON (the file is empty)` });
  });

  it('says invalid with the io-ts path when the JSON does not match LockInfo', async () => {
    const workdir = await tempDir();
    await writeLock(workdir, lockJson({ pub_port: 70000 }));
    const result = await readLock(workdir);
    expect(result).toMatchObject({
      kind: 'invalid',
      problem: 'invalid',
      reason: `${lockPath(workdir)}: pub_port: expected port (1-65535), got 70000`,
      issues: [{ path: 'pub_port', message: 'expected port (1-65535), got 70000' }],
    });
  });

  it('says invalid with the errno code when the lock cannot be read', async () => {
    const workdir = await tempDir();
    await fsp.mkdir(lockPath(workdir), { recursive: true }); // a directory where the file should be
    expect(await readLock(workdir)).toEqual({
      kind: 'invalid',
      problem: 'unreadable',
      code: 'EISDIR',
      path: lockPath(workdir),
      reason: `${lockPath(workdir)}: cannot be read (EISDIR)`,
    });
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
    expect((await listInstances()).instances.map((i) => i.instance_id)).toEqual(['inst-1']);
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

    const listing = await listInstances({ registryDir: dir });

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
      { file: path.join(dir, 'broken.json'), reason: expect.stringMatching(new RegExp(`^${path.join(dir, 'broken.json')}: not JSON`)) },
      { file: path.join(dir, 'wrong.json'), reason: `${path.join(dir, 'wrong.json')}: mode: expected "tui" | "webui" | "desktop" | "acp" | "noninteractive" | "proxy", got "gui"` },
    ]);
  });

  it('asks the injected isAlive about each PID', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a', pid: 111 }));
    await writeJson(path.join(dir, 'b.json'), entryJson({ instance_id: 'b', pid: 222 }));
    const listing = await listInstances({ registryDir: dir, isAlive: (pid) => pid === 222 });
    expect(listing.instances.map((i) => i.instance_id)).toEqual(['b']);
    expect(listing.stale.map((s) => s.instance_id)).toEqual(['a']);
  });

  it('sorts primaries first, then the most recently started', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, '1.json'), entryJson({ instance_id: 'old-secondary', is_primary: false, started_at: '2026-01-01T00:00:00Z' }));
    await writeJson(path.join(dir, '2.json'), entryJson({ instance_id: 'new-secondary', is_primary: false, started_at: '2026-02-01T00:00:00Z' }));
    await writeJson(path.join(dir, '3.json'), entryJson({ instance_id: 'old-primary', started_at: '2025-01-01T00:00:00Z' }));
    await writeJson(path.join(dir, '4.json'), entryJson({ instance_id: 'new-primary', started_at: '2025-06-01T00:00:00+02:00' }));
    const listing = await listInstances({ registryDir: dir, isAlive: () => true });
    expect(listing.instances.map((i) => i.instance_id)).toEqual(['new-primary', 'old-primary', 'new-secondary', 'old-secondary']);
  });

  it('is an empty listing when the registry directory does not exist', async () => {
    const dir = await tempDir();
    expect(await listInstances({ registryDir: path.join(dir, 'missing') })).toEqual({ instances: [], stale: [], invalid: [] });
  });

  it('reports a registry path that is a file, without failing', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'registry');
    await fsp.writeFile(file, '');
    expect(await listInstances({ registryDir: file })).toEqual({
      instances: [],
      stale: [],
      invalid: [{ file, reason: `${file}: the registry is not a directory` }],
    });
  });
});

/**
 * Records the emissions of a listing stream. `next(predicate)` resolves with the first
 * emission after the one it last returned that matches, waiting for it if needed: an emission
 * that arrives while the test is still awaiting its own file operation is not missed.
 */
class Emissions {
  readonly values: InstanceListing[] = [];
  error: unknown;
  readonly subscription: Subscription;
  private cursor = 0;
  private waiter: { predicate: (l: InstanceListing) => boolean; resolve: (l: InstanceListing) => void } | undefined;

  constructor(source: Observable<InstanceListing>) {
    this.subscription = source.subscribe({
      next: (listing) => {
        this.values.push(listing);
        this.settle();
      },
      error: (error: unknown) => (this.error = error),
    });
  }

  next(predicate: (l: InstanceListing) => boolean): Promise<InstanceListing> {
    return new Promise((resolve) => {
      this.waiter = { predicate, resolve };
      this.settle();
    });
  }

  private settle(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    while (this.cursor < this.values.length) {
      const listing = this.values[this.cursor++]!;
      if (waiter.predicate(listing)) {
        this.waiter = undefined;
        waiter.resolve(listing);
        return;
      }
    }
  }
}

const ids = (l: InstanceListing): string[] => l.instances.map((i) => i.instance_id);

/** Open handles of a kind, as Node counts them (`FSEventWrap` for fs.watch, `Timeout` for timers). */
const handles = (kind: string): number => process.getActiveResourcesInfo().filter((k) => k === kind).length;

/**
 * Waits until `count()` is `expected`, checking once per turn of the event loop: a closed
 * handle leaves Node's list only after libuv's close callback. Fails after `turns` turns.
 */
const settlesAt = async (count: () => number, expected: number, turns = 1000): Promise<number> => {
  for (let i = 0; i < turns && count() !== expected; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  return count();
};

describe('instances$', () => {
  let emissions: Emissions | undefined;
  afterEach(() => {
    emissions?.subscription.unsubscribe();
    emissions = undefined;
  });

  it('emits the listing at subscription, then when a file is added and when one is removed', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    emissions = new Emissions(instances$({ registryDir: dir, pollIntervalMs: 50 }));

    expect(ids(await emissions.next(() => true))).toEqual(['a']);
    await writeJson(path.join(dir, 'b.json'), entryJson({ instance_id: 'b', is_primary: false }));
    await emissions.next((l) => ids(l).join() === 'a,b');
    await fsp.rm(path.join(dir, 'a.json'));
    await emissions.next((l) => ids(l).join() === 'b');
    // Every emission differed from the one before it.
    const keys = emissions.values.map((l) => JSON.stringify([ids(l), l.stale.map((e) => e.file), l.invalid.map((e) => e.reason)]));
    expect(keys.every((k, i) => i === 0 || k !== keys[i - 1])).toBe(true);
    expect(emissions.error).toBeUndefined();
  });

  it('sees a change through fs.watch, long before the next poll', async () => {
    const dir = await tempDir();
    emissions = new Emissions(instances$({ registryDir: dir, pollIntervalMs: 3_600_000 }));
    await emissions.next(() => true);
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    await emissions.next((l) => ids(l).join() === 'a');
  });

  it('does not emit again while nothing changes', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    let scans = 0;
    let onScan: (() => void) | undefined;
    const isAlive = (): boolean => {
      scans++;
      onScan?.();
      return true;
    };
    const fifthScan = new Promise<void>((resolve) => (onScan = () => scans >= 5 && resolve()));
    emissions = new Emissions(instances$({ registryDir: dir, pollIntervalMs: 20, isAlive }));
    await fifthScan;
    expect(emissions.values.map(ids)).toEqual([['a']]);
  });

  it('moves an entry to stale when its PID dies, without any file changing', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a', pid: 4242 }));
    let alive = true;
    emissions = new Emissions(instances$({ registryDir: dir, pollIntervalMs: 50, isAlive: () => alive }));
    expect(ids(await emissions.next(() => true))).toEqual(['a']);
    alive = false;
    const after = await emissions.next((l) => l.stale.length === 1);
    expect(ids(after)).toEqual([]);
    expect(after.stale.map((s) => s.instance_id)).toEqual(['a']);
  });

  it('reports a malformed file, then its repair', async () => {
    const dir = await tempDir();
    emissions = new Emissions(instances$({ registryDir: dir, pollIntervalMs: 50 }));
    await emissions.next(() => true);
    await fsp.writeFile(path.join(dir, 'a.json'), '{');
    await emissions.next((l) => l.invalid.length === 1 && l.invalid[0]!.file === path.join(dir, 'a.json'));
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    const repaired = await emissions.next((l) => ids(l).join() === 'a');
    expect(repaired.invalid).toEqual([]);
  });

  it('starts empty when the registry does not exist yet, and sees it once it is made', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'pando-instances');
    emissions = new Emissions(instances$({ registryDir: dir, pollIntervalMs: 50 }));
    expect(await emissions.next(() => true)).toEqual({ instances: [], stale: [], invalid: [] });
    await fsp.mkdir(dir);
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    await emissions.next((l) => ids(l).join() === 'a');
    // Removed and made again: still followed.
    await fsp.rm(dir, { recursive: true });
    await emissions.next((l) => l.instances.length === 0);
    await fsp.mkdir(dir);
    await writeJson(path.join(dir, 'b.json'), entryJson({ instance_id: 'b' }));
    await emissions.next((l) => ids(l).join() === 'b');
  });

  it('shares one watcher between subscribers, replays the latest listing, and closes watcher and timer on the last unsubscribe', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    const watchersBefore = handles('FSEventWrap');
    const timersBefore = handles('Timeout');

    const live$ = instances$({ registryDir: dir, pollIntervalMs: 50 });
    const first = new Emissions(live$);
    await first.next(() => true);
    expect(handles('FSEventWrap')).toBe(watchersBefore + 1);
    expect(handles('Timeout')).toBeGreaterThan(timersBefore);

    const second = new Emissions(live$);
    expect(second.values.map(ids)).toEqual([['a']]); // replayed at once, synchronously
    expect(handles('FSEventWrap')).toBe(watchersBefore + 1);

    first.subscription.unsubscribe();
    expect(handles('FSEventWrap')).toBe(watchersBefore + 1);
    second.subscription.unsubscribe();
    expect(await settlesAt(() => handles('FSEventWrap'), watchersBefore)).toBe(watchersBefore);
    expect(await settlesAt(() => handles('Timeout'), timersBefore)).toBe(timersBefore);
  });
});

describe('resolveEndpoints', () => {
  it('uses the lock file when its PID is alive', async () => {
    const workdir = await tempDir();
    const registryDir = await tempDir();
    await writeLock(workdir, lockJson());
    expect(await resolveEndpoints(workdir, { registryDir })).toEqual({
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

    const resolved = await resolveEndpoints(workdir, { registryDir });

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

    const resolved = await resolveEndpoints(workdir, { registryDir, isAlive });

    const { pubPort, rpcPort } = portsForPath(workdir);
    expect(resolved).toMatchObject({
      pubEndpoint: `tcp://127.0.0.1:${pubPort}`,
      rpcEndpoint: `tcp://127.0.0.1:${rpcPort}`,
      via: 'ports',
      detail: `deterministic ports of ${workdir}: PUB ${pubPort}, RPC ${rpcPort} (no lock file or registry entry confirms an instance there)`,
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

    const resolved = await resolveEndpoints(relative, { registryDir });

    expect(resolved.via).toBe('ports');
    expect(resolved.workdir).toBe(workdir);
    expect(resolved.pubEndpoint).toBe(`tcp://127.0.0.1:${portsForPath(workdir).pubPort}`);
    expect(resolved.tried).toEqual([
      `lock file ignored: ${lockPath(workdir)}: rpc_port: expected port (1-65535), got "x"`,
      `no registry at ${registryDir}`,
    ]);
  });
});
