/**
 * `simulate`: a fake Pando instance in the foreground, announced the way Pando announces
 * itself (a registry file, and a lock file when it is the directory's primary instance on its
 * deterministic ports), so that the other commands, and any client, find it. Ctrl-C stops it
 * and removes what it wrote.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstValueFrom, type Subscription } from 'rxjs';
import { LockInfo, RegistryEntry, formatRfc3339, isPidAlive, lockPath, portsForPath, readLock, type InstanceMode } from '../index.js';
import { startFakeInstance, type FakeInstance, type FakeInstanceMode } from '../testing/index.js';
import { clockTime } from './format.js';
import { boundedJson } from './json.js';
import type { Output } from './output.js';
import type { Text } from './text.js';
import { PROMPTS, demoScript } from './scenario.js';
import { CliError, EXIT_OK, aborted$, registryDirFor, usageError } from './target.js';

/** Options of `simulate`. */
export interface SimulateOptions {
  /** The directory it runs in: its deterministic ports, the lock file's place, the registry's `path`. */
  readonly workdir?: string;
  readonly registry?: string;
  /** `full` (runs the agent) or `pando` (today's Pando builds). */
  readonly mode: FakeInstanceMode;
  /** The registry entry's `mode`. */
  readonly ui: InstanceMode;
  /** Milliseconds between the steps of a turn. */
  readonly pace: number;
  /** Milliseconds between heartbeats; 0 for none. */
  readonly heartbeat: number;
  /** 0: a free port. Default: the deterministic port (primary), a free one (secondary). */
  readonly pubPort?: number;
  readonly rpcPort?: number;
  /** A secondary instance: free ports, `is_primary: false`, no lock file. */
  readonly secondary?: boolean;
  /** Write the lock file (`true`), or not (`false`); default: when on the deterministic ports as the primary. */
  readonly lock?: boolean;
  readonly instanceId?: string;
  /** Play a scripted turn every this many ms (round-robin over the sessions). */
  readonly playEvery?: number;
  /** Do not log requests and turns. */
  readonly quiet?: boolean;
  readonly json?: boolean;
}

/** Writes a file whole or not at all: readers never see half of it. */
const writeAtomically = (file: string, text: string): void => {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  fs.renameSync(tmp, file);
};

/** Removes `file` if it still names this process (another instance may have replaced it). */
const removeIfOurs = (file: string, pid: number): boolean => {
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown };
    if (json.pid !== pid) return false;
    fs.rmSync(file, { force: true });
    return true;
  } catch {
    return false;
  }
};

const bindProblem = (error: unknown, ports: string): CliError => {
  const text = error instanceof Error ? error.message : String(error);
  const inUse = /in use|EADDRINUSE/i.test(text);
  return new CliError(
    inUse
      ? `cannot bind ${ports}: address already in use (is an instance already running there? try --secondary, or --pub-port/--rpc-port)`
      : `cannot start the fake instance on ${ports}: ${text}`,
  );
};

/** `simulate`: runs until Ctrl-C (or SIGTERM), then stops and removes its files. */
export const simulate = async (options: SimulateOptions, out: Output): Promise<number> => {
  const io = out.io;
  const { styles } = out;
  const workdir = path.resolve(io.cwd, options.workdir ?? '.');
  const registryDir = registryDirFor(io, options.registry);
  const secondary = options.secondary === true;
  if (secondary && options.lock === true) throw usageError('a secondary instance writes no lock file: drop --lock or --secondary');
  if (options.instanceId !== undefined && !/^[A-Za-z0-9._-]+$/.test(options.instanceId)) {
    throw usageError(`--instance-id: ${JSON.stringify(options.instanceId)} must be letters, digits, '.', '_' or '-' (it names the registry file)`);
  }

  const deterministic = portsForPath(workdir);
  const pubPort = options.pubPort ?? (secondary ? 0 : deterministic.pubPort);
  const rpcPort = options.rpcPort ?? (secondary ? 0 : deterministic.rpcPort);
  const writeLock = options.lock ?? (!secondary && pubPort === deterministic.pubPort && rpcPort === deterministic.rpcPort);
  const lockFile = lockPath(workdir);
  if (writeLock) {
    const existing = await readLock(workdir);
    if (existing.kind === 'found' && existing.lock.pid !== process.pid && isPidAlive(existing.lock.pid)) {
      throw new CliError(
        `${lockFile} belongs to a running instance (${existing.lock.instance_id}, pid ${existing.lock.pid}): stop it, or run with --no-lock or --secondary`,
      );
    }
  }

  const portsText = `PUB ${pubPort === 0 ? 'any port' : `port ${pubPort}`} and RPC ${rpcPort === 0 ? 'any port' : `port ${rpcPort}`}`;
  let fake: FakeInstance;
  try {
    fake = await startFakeInstance({
      mode: options.mode,
      ...(options.instanceId === undefined ? {} : { instanceId: options.instanceId }),
      ...(pubPort === 0 ? {} : { pubPort }),
      ...(rpcPort === 0 ? {} : { rpcPort }),
      tokenIntervalMs: options.pace,
      heartbeatIntervalMs: options.heartbeat,
      script: demoScript,
      bindTimeoutMs: 1000,
    });
  } catch (error) {
    throw bindProblem(error, portsText);
  }

  // Announce it: the registry entry, and the lock file of the primary instance.
  const written: string[] = [];
  let madePandoDir = false;
  const cleanUpFiles = (): string[] => {
    const removed = written.filter((file) => removeIfOurs(file, process.pid));
    if (madePandoDir) {
      try {
        fs.rmdirSync(path.dirname(lockFile)); // only when empty
      } catch {
        // not empty, or gone: leave it
      }
    }
    written.length = 0;
    return removed;
  };
  const onExit = (): void => void cleanUpFiles(); // last resort if the process dies without stopping
  process.on('exit', onExit);

  const subscriptions: Subscription[] = [];
  let player: ReturnType<typeof setInterval> | undefined;
  try {
    const registryFile = path.join(registryDir, `${fake.instanceId}.json`);
    try {
      fs.mkdirSync(registryDir, { recursive: true });
      const entry: RegistryEntry = {
        instance_id: fake.instanceId,
        path: workdir,
        pid: process.pid,
        pub_port: fake.pubPort,
        rpc_port: fake.rpcPort,
        started_at: fake.startedAt,
        mode: options.ui,
        is_primary: !secondary,
      };
      writeAtomically(registryFile, `${JSON.stringify(RegistryEntry.encode(entry), null, 2)}\n`);
      written.push(registryFile);
      if (writeLock) {
        madePandoDir = !fs.existsSync(path.dirname(lockFile));
        fs.mkdirSync(path.dirname(lockFile), { recursive: true });
        const lock: LockInfo = {
          instance_id: fake.instanceId,
          pid: process.pid,
          pub_port: fake.pubPort,
          rpc_port: fake.rpcPort,
          started_at: fake.startedAt,
        };
        writeAtomically(lockFile, `${JSON.stringify(LockInfo.encode(lock), null, 2)}\n`);
        written.push(lockFile);
      }
    } catch (error) {
      throw new CliError(`cannot announce the instance: ${error instanceof Error ? error.message : String(error)}`);
    }

    if (options.json === true) {
      out.json({
        event: 'ready',
        instanceId: fake.instanceId,
        mode: fake.mode,
        pid: process.pid,
        workdir,
        pubEndpoint: fake.pubEndpoint,
        rpcEndpoint: fake.rpcEndpoint,
        primary: !secondary,
        registryFile,
        lockFile: writeLock ? lockFile : null,
        startedAt: formatRfc3339(fake.startedAt),
      });
    } else {
      out.line([styles.green('ready'), ': simulated Pando instance ', styles.bold(fake.instanceId), ` (${fake.mode} mode, ${secondary ? 'secondary' : 'primary'}, pid ${process.pid}) in ${workdir}`]);
      out.line(`  PUB       ${fake.pubEndpoint}`);
      out.line(`  RPC       ${fake.rpcEndpoint}`);
      out.line(`  registry  ${registryFile}`);
      out.line(['  lock      ', writeLock ? lockFile : styles.dim('none')]);
      out.line(styles.dim('Ctrl-C to stop'));
    }

    if (options.quiet !== true) {
      subscriptions.push(
        fake.requests$.subscribe((request) => {
          if (options.json === true) {
            out.json({ event: 'request', time: formatRfc3339(request.receivedAt), seq: request.seq, method: request.method, params: request.params ?? null });
          } else {
            const json = boundedJson(request.params ?? {}, 32).json;
            const params: Text = json === '{}' ? '' : [' ', styles.dim(json)];
            out.line([styles.dim(clockTime(request.receivedAt)), ' rpc ', request.method === '' ? styles.red('(unreadable)') : request.method, params]);
          }
        }),
      );
    }

    if (options.playEvery !== undefined) {
      let round = 0;
      player = setInterval(() => {
        const sessions = fake.sessions();
        if (sessions.length === 0) return;
        const session = sessions[round % sessions.length]!;
        const prompt = PROMPTS[round % PROMPTS.length]!;
        round++;
        if (fake.runningTurns().includes(session.id)) return;
        if (options.quiet !== true) {
          if (options.json === true) out.json({ event: 'turn', time: formatRfc3339(new Date()), sessionId: session.id, content: prompt });
          else out.line([styles.dim(clockTime(new Date())), ' turn ', styles.magenta(session.id.slice(0, 8)), ` ${JSON.stringify(prompt)}`]);
        }
        fake.playTurn(session.id, prompt).catch(() => undefined); // aborted when stopping
      }, options.playEvery);
    }

    await firstValueFrom(aborted$(io.signal));
  } finally {
    if (player !== undefined) clearInterval(player);
    for (const subscription of subscriptions) subscription.unsubscribe();
    await fake.stop({ reason: 'pando-rx simulate stopped' });
    const removed = cleanUpFiles();
    process.removeListener('exit', onExit);
    if (options.json === true) out.json({ event: 'stopped', removed });
    else out.line(`stopped${removed.length === 0 ? '' : `; removed ${removed.join(', ')}`}`);
  }
  return EXIT_OK;
};
