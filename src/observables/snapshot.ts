import { catchError, forkJoin, map, of, throwError, type Observable, type SchedulerLike } from 'rxjs';
import type { Session } from '../codecs/payloads.js';
import { RpcErrorCode } from '../codecs/rpc.js';
import type { MirrorSnapshot } from '../operators/mirrorState.js';
import type { RemoteControl } from './remote-control.js';
import { RpcError } from './rpc-errors.js';

/**
 * What the live mirror asks of an instance over RPC: a snapshot of its sessions, and whether a
 * session still exists.
 */

/**
 * One snapshot: `state.sync`, or where the instance answers -32601 (today's Pando has no
 * handler for it) `session.list` plus `instance.ping` for the instance's id. Cold.
 */
export const takeSnapshot = (control: RemoteControl, scheduler: SchedulerLike): Observable<MirrorSnapshot> => {
  const now = (): Date => new Date(scheduler.now());
  return control.stateSync().pipe(
    map(
      (result): MirrorSnapshot => ({
        instanceId: result.instance_id,
        sessions: result.sessions,
        ...(result.active_session_id === undefined ? {} : { activeSessionId: result.active_session_id }),
        source: 'state.sync',
        syncedAt: now(),
      }),
    ),
    catchError((error: unknown) =>
      error instanceof RpcError && error.code === RpcErrorCode.MethodNotFound
        ? forkJoin([control.listSessions(), control.ping().pipe(map((pong) => pong.instance_id), catchError(() => of('')))]).pipe(
            map(([sessions, instanceId]): MirrorSnapshot => ({ instanceId, sessions, source: 'session.list', syncedAt: now() })),
          )
        : throwError(() => error),
    ),
  );
};

/**
 * Whether a `session.get` failure says the session does not exist: real Pando passes its
 * storage error through (`-32000 session.get: sql: no rows in result set`).
 */
const isNoSuchSession = (error: unknown): boolean =>
  error instanceof RpcError && error.code === RpcErrorCode.MethodFailed && /no rows in result set/.test(error.rpcMessage);

/**
 * The session, or `undefined` when the instance says it does not exist; other failures error
 * ("do not know"). The mirror asks this of sessions that a `session.list` snapshot omits.
 */
export const confirmSession = (control: RemoteControl, id: string): Observable<Session | undefined> =>
  control.getSession(id).pipe(catchError((error: unknown) => (isNoSuchSession(error) ? of(undefined) : throwError(() => error))));
