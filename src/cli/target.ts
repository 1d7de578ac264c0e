/**
 * Which instance a command talks to (`--pub`/`--rpc`, else discovery from `--workdir`), how a
 * call's failure becomes one line for the user, and the exit codes.
 */
import * as path from 'node:path';
import { Observable, fromEvent, lastValueFrom, takeUntil, EmptyError } from 'rxjs';
import {
  DEFAULT_REGISTRY_DIR,
  InvalidEndpointError,
  REGISTRY_DIR_ENV,
  RpcAbortedError,
  RpcArgumentError,
  RpcDecodeError,
  RpcError,
  RpcTimeoutError,
  checkEndpoint,
  loopbackEndpoint,
  resolveEndpoints,
  type RemoteInstance,
  type Session,
} from '../index.js';
import type { CliContext } from './output.js';
import type { Target, TargetOptions } from './target-types.js';

export type { Target, TargetOptions } from './target-types.js';
import { unreachableMessage } from './unreachable.js';

/** Exit codes: 0 ok, 1 failure (an RPC error, an unreachable instance), 2 usage error, 130 interrupted by Ctrl-C while waiting. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A failure to report in one line (`pando-rx: <message>`) and exit with `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** A usage error: exit code 2. */
export const usageError = (message: string): CliError => new CliError(message, EXIT_USAGE);

/** Ctrl-C arrived while a one-shot command was still waiting. */
export class InterruptedError extends CliError {
  constructor() {
    super('interrupted', EXIT_INTERRUPTED);
  }
}


/** The registry directory: `--registry`, else `$PANDO_REGISTRY_DIR` (if not empty), else `/tmp/pando-instances`. */
export const registryDirFor = (io: Pick<CliContext, 'cwd' | 'env'>, explicit?: string): string => {
  const fromEnv = io.env[REGISTRY_DIR_ENV];
  return path.resolve(io.cwd, explicit ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_REGISTRY_DIR));
};

/** `5552` → `tcp://127.0.0.1:5552`; anything else must be a ZeroMQ endpoint. */
export const endpointArg = (flag: string, value: string): string => {
  if (/^\d+$/.test(value)) {
    const port = Number(value);
    if (port < 1 || port > 65535) throw usageError(`${flag}: ${value} is not a port (1-65535)`);
    return loopbackEndpoint(port);
  }
  const problem = checkEndpoint(value);
  if (problem !== undefined) throw usageError(`${flag}: ${problem}`);
  return value;
};

/** The endpoints of `--pub`/`--rpc` (both, or neither), else those discovery finds for `--workdir`. */
export const resolveTarget = async (options: TargetOptions, io: CliContext): Promise<Target> => {
  const registryDir = registryDirFor(io, options.registry);
  if (options.pub !== undefined || options.rpc !== undefined) {
    if (options.pub === undefined || options.rpc === undefined) throw usageError('--pub and --rpc go together: give both, or neither');
    if (options.workdir !== undefined) throw usageError('give --workdir or --pub/--rpc, not both');
    const pubEndpoint = endpointArg('--pub', options.pub);
    const rpcEndpoint = endpointArg('--rpc', options.rpc);
    return { pubEndpoint, rpcEndpoint, via: 'flags', detail: '--pub/--rpc', tried: [], workdir: path.resolve(io.cwd), registryDir };
  }
  const workdir = path.resolve(io.cwd, options.workdir ?? '.');
  const found = await resolveEndpoints(workdir, { registryDir });
  return {
    workdir: found.workdir,
    registryDir,
    pubEndpoint: found.pubEndpoint,
    rpcEndpoint: found.rpcEndpoint,
    via: found.via,
    ...(found.instanceId === undefined ? {} : { instanceId: found.instanceId }),
    detail: found.via === 'ports' ? `the deterministic ports of ${found.workdir}` : found.detail,
    tried: found.tried,
    found,
  };
};

/** An RPC failure as a `CliError`. */
export const explainRpcError = async (error: unknown, target: Target, timeoutMs: number): Promise<Error> => {
  if (error instanceof CliError) return error;
  if (error instanceof RpcTimeoutError) return new CliError(await unreachableMessage(target, { kind: 'timeout', timeoutMs: error.timeoutMs || timeoutMs }));
  if (error instanceof RpcError) return new CliError(`the instance answered ${error.code}: ${error.rpcMessage}`);
  if (error instanceof RpcArgumentError) return usageError(error.issues.map((issue) => `${issue.path.replace(/^params\./, '')}: ${issue.message}`).join('; '));
  if (error instanceof RpcAbortedError) {
    return new CliError(error.reason === 'shutdown' ? `the instance shut down before answering ${error.method}` : error.message);
  }
  if (error instanceof RpcDecodeError) return new CliError(error.message);
  if (error instanceof InvalidEndpointError) return usageError(error.message);
  return error instanceof Error ? error : new Error(String(error));
};

/** Emits once when `signal` aborts (never without a signal). */
export const aborted$ = (signal: AbortSignal | undefined): Observable<unknown> =>
  signal === undefined ? new Observable<never>() : signal.aborted ? new Observable((s) => s.next(undefined)) : fromEvent(signal, 'abort');

/** One RPC call: its result, or a `CliError` that says what went wrong; `InterruptedError` on Ctrl-C. */
export const call = async <T>(call$: Observable<T>, target: Target, timeoutMs: number, io: CliContext): Promise<T> => {
  try {
    return await lastValueFrom(call$.pipe(takeUntil(aborted$(io.signal))));
  } catch (error) {
    if (error instanceof EmptyError) throw new InterruptedError();
    throw await explainRpcError(error, target, timeoutMs);
  }
};

/**
 * The session a user meant: the one with exactly that id, else the only one whose id starts
 * with it (tables show ids shortened, like git's hashes).
 */
export const resolveSession = async (pando: RemoteInstance, given: string, target: Target, timeoutMs: number, io: CliContext): Promise<Session> => {
  if (given === '') throw usageError('the session id is empty');
  const sessions = await call(pando.listSessions(), target, timeoutMs, io);
  const exact = sessions.find((session) => session.id === given);
  if (exact !== undefined) return exact;
  const matches = sessions.filter((session) => session.id.startsWith(given));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new CliError(`no session ${JSON.stringify(given)} on the instance (${sessions.length} session${sessions.length === 1 ? '' : 's'}; see pando-rx sessions)`);
  }
  throw new CliError(`${JSON.stringify(given)} matches ${matches.length} sessions (${matches.map((s) => s.id).join(', ')}): give more of the id`);
};
