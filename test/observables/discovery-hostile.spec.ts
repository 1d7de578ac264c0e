/**
 * Issue 10, "Discovery can hang forever, read without bound, and leak file contents": hostile
 * lock and registry files. Each case is refused with a reason that says what was wrong and
 * where, promptly, and no reason carries the file's bytes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MAX_DISCOVERY_FILE_BYTES } from '../../src/observables/discovery/read-file.js';
import { MAX_REGISTRY_FILES, listInstances, type InstanceListing } from '../../src/observables/discovery/registry.js';
import { lockPath, readLock } from '../../src/observables/discovery/lock-file.js';
import { resolveEndpoints, type ResolvedEndpoints } from '../../src/observables/discovery/resolve.js';
import { currentOwners } from '../../src/observables/discovery/trust.js';
import { readBoundedFile } from '../../src/observables/discovery/read-file.js';
import { entryJson, lockJson, tempDir, writeJson, writeLock } from './discovery-fixtures.js';

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const NOBODY = 65534;

/** Every line discovery could print about a listing or a resolution. */
const reasonsOf = (listing: InstanceListing): string[] => listing.invalid.map((bad) => bad.reason);
const linesOf = (found: ResolvedEndpoints): string[] => [found.detail, ...found.tried];

/**
 * Runs `read` while a helper stands ready to unblock a FIFO: if `read` blocks in `open()` (the
 * bug), the helper opens the FIFO for writing after 2 s, so that the test fails on its
 * assertions instead of hanging the test worker. When `read` does not block (the fix), nobody
 * ever opens the FIFO and the helper is killed at the end.
 */
const withFifoUnblocker = async <A>(fifo: string, read: () => A): Promise<{ result: A; ms: number }> => {
  const helper: ChildProcess = spawn('sh', ['-c', 'sleep 2; : > "$0"', fifo], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => helper.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    helper.once('spawn', resolve);
    helper.once('error', reject);
  });
  try {
    const started = Date.now();
    const result = read();
    return { result, ms: Date.now() - started };
  } finally {
    helper.kill();
    await exited;
  }
};

const mkfifo = (file: string): void => {
  execFileSync('mkfifo', [file]);
};

describe('a FIFO where a file should be', () => {
  it('in the registry: listed as invalid at once, without blocking', async () => {
    const dir = await tempDir();
    await writeJson(path.join(dir, 'good.json'), entryJson({ instance_id: 'good' }));
    const fifo = path.join(dir, 'trap.json');
    mkfifo(fifo);

    const { result, ms } = await withFifoUnblocker(fifo, () => listInstances({ registryDir: dir }));

    expect(result.instances.map((i) => i.instance_id)).toEqual(['good']);
    expect(result.invalid).toEqual([{ file: fifo, reason: `${fifo}: is a FIFO, not a regular file` }]);
    expect(ms).toBeLessThan(1000);
  });

  it('at .pando/ipc.lock: the lock is invalid at once, and resolution moves on', async () => {
    const workdir = await tempDir();
    const registryDir = await tempDir();
    await fsp.mkdir(path.join(workdir, '.pando'));
    mkfifo(lockPath(workdir));

    const { result, ms } = await withFifoUnblocker(lockPath(workdir), () => ({ lock: readLock(workdir), found: resolveEndpoints(workdir, { registryDir }) }));

    expect(result.lock).toEqual({
      kind: 'invalid',
      problem: 'not-regular',
      path: lockPath(workdir),
      reason: `${lockPath(workdir)}: is a FIFO, not a regular file`,
    });
    expect(result.found.via).toBe('ports');
    expect(result.found.tried[0]).toBe(`lock file ignored: ${lockPath(workdir)}: is a FIFO, not a regular file`);
    expect(ms).toBeLessThan(1000);
  });
});

describe('a symbolic link where a file should be', () => {
  it('to /dev/zero, in the registry and as the lock: refused without reading', async () => {
    const dir = await tempDir();
    const workdir = await tempDir();
    await fsp.symlink('/dev/zero', path.join(dir, 'zero.json'));
    await fsp.mkdir(path.join(workdir, '.pando'));
    await fsp.symlink('/dev/zero', lockPath(workdir));

    expect(listInstances({ registryDir: dir }).invalid).toEqual([
      { file: path.join(dir, 'zero.json'), reason: `${path.join(dir, 'zero.json')}: is a symbolic link, which discovery does not follow` },
    ]);
    expect(readLock(workdir)).toEqual({
      kind: 'invalid',
      problem: 'symlink',
      path: lockPath(workdir),
      reason: `${lockPath(workdir)}: is a symbolic link, which discovery does not follow`,
    });
  });

  it('to a readable file: refused, and nothing of that file appears in any reason', async () => {
    const dir = await tempDir();
    const workdir = await tempDir();
    const secrets = await tempDir();
    // Looks like /etc/passwd, and one that is JSON with a secret where a string should be.
    const passwd = path.join(secrets, 'passwd');
    await fsp.writeFile(passwd, 'root:x:0:0:CANARY-1:/root:/bin/bash\n');
    const tokens = path.join(secrets, 'tokens.json');
    await writeJson(tokens, entryJson({ instance_id: { token: 'CANARY-2' }, path: 'CANARY-3' }));
    await fsp.symlink(passwd, path.join(dir, 'passwd.json'));
    await fsp.symlink(tokens, path.join(dir, 'tokens.json'));
    await fsp.mkdir(path.join(workdir, '.pando'));
    await fsp.symlink(passwd, lockPath(workdir));

    const listing = listInstances({ registryDir: dir });
    const found = resolveEndpoints(workdir, { registryDir: dir });
    const lock = readLock(workdir);

    expect(listing.instances).toEqual([]);
    expect(reasonsOf(listing)).toEqual([
      `${path.join(dir, 'passwd.json')}: is a symbolic link, which discovery does not follow`,
      `${path.join(dir, 'tokens.json')}: is a symbolic link, which discovery does not follow`,
    ]);
    expect(lock.kind === 'invalid' && lock.problem).toBe('symlink');
    for (const line of [...reasonsOf(listing), ...linesOf(found), lock.kind === 'invalid' ? lock.reason : '']) {
      expect(line).not.toMatch(/CANARY|root:/);
    }
  });
});

describe('content never reaches a reason', () => {
  it.each([
    ['text that is not JSON', 'root:x:0:0:CANARY:/root:/bin/bash', 'not JSON at byte 0 (expected a value)'],
    ['JSON cut short', '{"instance_id": "CANARY', 'not JSON at byte 23 (expected the end of a string (\'"\'))'],
    ['a secret where a string should be', JSON.stringify(entryJson({ instance_id: { token: 'CANARY' } })), 'instance_id: expected string, got an object'],
    ['a secret where a number should be', JSON.stringify(entryJson({ pid: 'CANARY' })), 'pid: expected integer, got a string'],
    ['a secret where a mode should be', JSON.stringify(entryJson({ mode: 'CANARY' })), 'mode: expected "tui" | "webui" | "desktop" | "acp" | "noninteractive" | "proxy", got a string'],
    ['a secret where a time should be', JSON.stringify(entryJson({ started_at: 'CANARY' })), 'started_at: expected RFC 3339 time, got a string'],
    ['a secret array', JSON.stringify(['CANARY']), 'expected RegistryEntry, got an array'],
  ])('%s: the reason says where and what, without the bytes', async (_name, text, reason) => {
    const dir = await tempDir();
    const file = path.join(dir, 'x.json');
    await fsp.writeFile(file, text);
    expect(listInstances({ registryDir: dir }).invalid).toEqual([{ file, reason: `${file}: ${reason}` }]);
  });

  it('nesting as deep as 64 KiB allows is reported, not a crash', async () => {
    const dir = await tempDir();
    await fsp.writeFile(path.join(dir, 'a.json'), `${'['.repeat(32000)}${']'.repeat(32000)}`);
    await fsp.writeFile(path.join(dir, 'b.json'), `{"instance_id":${'{"a":'.repeat(10000)}1${'}'.repeat(10001)}`);
    await fsp.writeFile(path.join(dir, 'c.json'), '['.repeat(MAX_DISCOVERY_FILE_BYTES));
    expect(reasonsOf(listInstances({ registryDir: dir }))).toEqual([
      `${path.join(dir, 'a.json')}: expected RegistryEntry, got an array`,
      `${path.join(dir, 'b.json')}: instance_id: expected string, got an object (and 7 more)`,
      `${path.join(dir, 'c.json')}: not JSON at byte ${MAX_DISCOVERY_FILE_BYTES} (expected a value)`,
    ]);
  });

  it('a lock with a secret where a port should be', async () => {
    const workdir = await tempDir();
    await writeLock(workdir, lockJson({ pub_port: 'CANARY' }));
    const lock = readLock(workdir);
    expect(lock).toMatchObject({ kind: 'invalid', problem: 'invalid', reason: `${lockPath(workdir)}: pub_port: expected port (1-65535), got a string` });
    expect(lock.kind === 'invalid' && JSON.stringify(lock.issues)).not.toContain('CANARY');
  });
});

describe('size', () => {
  it('a 100 MB registry file (sparse) is refused by its size, without being read', async () => {
    const dir = await tempDir();
    const big = path.join(dir, 'big.json');
    execFileSync('truncate', ['-s', '100M', big]);
    await writeJson(path.join(dir, 'good.json'), entryJson({ instance_id: 'good' }));

    const started = Date.now();
    const listing = listInstances({ registryDir: dir });

    expect(listing.invalid).toEqual([{ file: big, reason: `${big}: is 104857600 bytes, more than ${MAX_DISCOVERY_FILE_BYTES}` }]);
    expect(listing.instances.map((i) => i.instance_id)).toEqual(['good']);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('a lock of 64 KiB + 1 is refused; one of 64 KiB is read', async () => {
    const workdir = await tempDir();
    const text = JSON.stringify(lockJson());
    await fsp.mkdir(path.join(workdir, '.pando'));
    await fsp.writeFile(lockPath(workdir), text.padEnd(MAX_DISCOVERY_FILE_BYTES, ' '));
    expect(readLock(workdir).kind).toBe('found');
    await fsp.writeFile(lockPath(workdir), text.padEnd(MAX_DISCOVERY_FILE_BYTES + 1, ' '));
    expect(readLock(workdir)).toMatchObject({ kind: 'invalid', problem: 'too-large', reason: `${lockPath(workdir)}: is ${MAX_DISCOVERY_FILE_BYTES + 1} bytes, more than ${MAX_DISCOVERY_FILE_BYTES}` });
  });

  it(`a registry of more than ${MAX_REGISTRY_FILES} files is read only that far, and says so`, async () => {
    const dir = await tempDir();
    const text = JSON.stringify(entryJson({ is_primary: false }));
    await Promise.all(Array.from({ length: MAX_REGISTRY_FILES + 1 }, (_, i) => fsp.writeFile(path.join(dir, `${i}.json`), text)));
    const listing = listInstances({ registryDir: dir });
    expect(listing.instances).toHaveLength(MAX_REGISTRY_FILES);
    expect(reasonsOf(listing)).toEqual([`${dir}: the registry holds more than ${MAX_REGISTRY_FILES} .json files; only ${MAX_REGISTRY_FILES} were read`]);
  });

  const procStatus = '/proc/self/status';
  (asRoot ? it : it.skip)('a file that says it is empty but is not (as in /proc) is still read only up to the bound', async () => {
    const stat = await fsp.stat(procStatus);
    expect(stat.size).toBe(0); // it claims to be empty
    const read = readBoundedFile(procStatus, currentOwners(), 100);
    expect(read).toEqual({ kind: 'refused', problem: 'too-large', reason: 'holds more than 100 bytes' });
    const whole = readBoundedFile(procStatus, currentOwners());
    expect(whole.kind === 'ok' && whole.bytes.length).toBeGreaterThan(100);
  });
});

describe('owners: who may have written what discovery reads', () => {
  (asRoot ? it : it.skip)('a registry file owned by another user is refused', async () => {
    const dir = await tempDir();
    const theirs = path.join(dir, 'theirs.json');
    await writeJson(theirs, entryJson({ instance_id: 'theirs' }));
    await fsp.chown(theirs, NOBODY, NOBODY);
    await writeJson(path.join(dir, 'mine.json'), entryJson({ instance_id: 'mine' }));

    const listing = listInstances({ registryDir: dir });

    expect(listing.instances.map((i) => i.instance_id)).toEqual(['mine']);
    expect(listing.invalid).toEqual([{ file: theirs, reason: `${theirs}: is owned by uid ${NOBODY}, not by root (you)` }]);
  });

  (asRoot ? it : it.skip)('a lock file owned by another user is refused', async () => {
    const workdir = await tempDir();
    await writeLock(workdir, lockJson());
    await fsp.chown(lockPath(workdir), NOBODY, NOBODY);
    expect(readLock(workdir)).toMatchObject({ kind: 'invalid', problem: 'untrusted', reason: `${lockPath(workdir)}: is owned by uid ${NOBODY}, not by root (you)` });
  });

  (asRoot ? it : it.skip)('a registry directory owned by another user is refused whole', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'pando-instances');
    await fsp.mkdir(dir);
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));
    await fsp.chown(dir, NOBODY, NOBODY);

    expect(listInstances({ registryDir: dir })).toEqual({
      instances: [],
      stale: [],
      invalid: [{ file: dir, reason: `${dir}: the registry is owned by uid ${NOBODY}, not by root (you)` }],
    });
    const workdir = await tempDir();
    expect(resolveEndpoints(workdir, { registryDir: dir }).tried).toEqual([
      `no lock file at ${lockPath(workdir)}`,
      `registry ignored: ${dir}: the registry is owned by uid ${NOBODY}, not by root (you)`,
    ]);
  });

  it('a registry directory that every user may write is refused, unless it has the sticky bit (as /tmp)', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'pando-instances');
    await fsp.mkdir(dir);
    await writeJson(path.join(dir, 'a.json'), entryJson({ instance_id: 'a' }));

    await fsp.chmod(dir, 0o777);
    expect(listInstances({ registryDir: dir })).toEqual({
      instances: [],
      stale: [],
      invalid: [{ file: dir, reason: `${dir}: the registry is writable by every user without the sticky bit (mode 0777): anyone could replace its files` }],
    });

    await fsp.chmod(dir, 0o1777);
    expect(listInstances({ registryDir: dir }).instances.map((i) => i.instance_id)).toEqual(['a']);
  });
});
