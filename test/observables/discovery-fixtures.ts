/**
 * What the discovery specs share: temp directories (removed after each test), a dead PID, and
 * lock and registry files. Every test makes its own directories, waits on emissions or
 * promises, never on fixed sleeps, and unsubscribes what it subscribes.
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lockPath } from '../../src/observables/discovery/lock-file.js';

const temps: string[] = [];
/** A new directory (mode 0700, owned by this user), removed after the test. */
export const tempDir = async (): Promise<string> => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pando-rx-discovery-'));
  temps.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => fsp.rm(dir, { recursive: true, force: true })));
});

/** The PID of a process that has exited: spawn `node -e ""` and wait for its exit. */
export const deadPid = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => (child.pid === undefined ? reject(new Error('no pid')) : resolve(child.pid)));
  });

export const STARTED = '2026-03-01T10:20:30.123456789Z';
export const lockJson = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  instance_id: 'inst-lock',
  pid: process.pid,
  pub_port: 41000,
  rpc_port: 41001,
  started_at: STARTED,
  ...over,
});
export const entryJson = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
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

export const writeJson = (file: string, value: unknown): Promise<void> => fsp.writeFile(file, JSON.stringify(value));
export const writeLock = async (workdir: string, value: unknown): Promise<void> => {
  await fsp.mkdir(path.join(workdir, '.pando'), { recursive: true });
  await writeJson(lockPath(workdir), value);
};
