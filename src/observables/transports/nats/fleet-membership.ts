import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { InstanceInfo, InstanceListing } from '../../discovery/registry.js';

/** The status period a relay announces by default, in ms (`startRelay`'s `statusIntervalMs`). */
const DEFAULT_STATUS_EVERY_MS = 5000;

/**
 * What a fleet watcher hears from the relays over NATS, and of its own connection:
 * - `join`: a relay serves `member` (`pando.fleet.join`, or its answer to `pando.fleet.announce`);
 * - `leave`: it stopped serving the instance (`pando.fleet.leave`);
 * - `status`: the instance's status (`pando.<instance>.status`): proof that its relay lives, or
 *   `gone`; `everyMs` is how often the relay publishes it;
 * - `connected` / `disconnected`: the watcher's own NATS connection came up / dropped.
 */
export type MembershipMessage =
  | { readonly kind: 'join'; readonly member: InstanceInfo }
  | { readonly kind: 'leave'; readonly instanceId: string }
  | { readonly kind: 'status'; readonly instanceId: string; readonly state: string; readonly everyMs?: number }
  | { readonly kind: 'connected' }
  | { readonly kind: 'disconnected' };

/** Options of {@link fleetMembership}. */
export interface FleetMembershipOptions {
  /**
   * A member whose relay said nothing of it (no status, no join) for this long, in ms, leaves
   * the fleet: its relay was killed or cut off. Default: three of the status periods its relay
   * announces (`everyMs`, 5 s unless the relay says otherwise), i.e. 15 s.
   */
  readonly silenceMs?: number;
  /** Where the silence is timed (a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike;
}

/**
 * The fleet's members, from what the relays say over NATS: a new listing (the shape that
 * `watchFleet()` follows) on each change; the first one at once, empty.
 *
 * A member joins on `join`, and also stays while its status keeps coming; it leaves on
 * `leave`, on a `gone` status, or when its relay has been silent for `silenceMs` (a relay killed
 * sends no `leave`). It joins again when its relay announces it again. While the watcher's own
 * connection is down nothing is known: the members stay and no silence is counted; when it is
 * back, every member gets a full `silenceMs` anew (its relay re-announces it meanwhile).
 *
 * ```
 * messages: -j--s--s----------j--l-|     (silenceMs: 5 frames)
 * members:  ma----------b-----a--b-|     a: [the instance], b: [] (m: the first, empty)
 * ```
 *
 * ```ts
 * messages$.pipe(fleetMembership({ silenceMs: 15_000 })).subscribe((listing) => console.log(listing.instances.length));
 * ```
 */
export function fleetMembership(options: FleetMembershipOptions = {}): OperatorFunction<MembershipMessage, InstanceListing> {
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<InstanceListing>((subscriber) => {
      const members = new Map<string, { readonly info: InstanceInfo; everyMs: number; timer: Subscription | undefined }>();
      let online = true;

      const emit = (): void => subscriber.next({ instances: [...members.values()].map((member) => member.info), stale: [], invalid: [] });
      const remove = (id: string): void => {
        const member = members.get(id);
        if (member === undefined) return;
        member.timer?.unsubscribe();
        members.delete(id);
        emit();
      };
      const watch = (id: string): void => {
        const member = members.get(id);
        if (member === undefined) return;
        member.timer?.unsubscribe();
        member.timer = online ? scheduler.schedule(() => remove(id), options.silenceMs ?? 3 * member.everyMs) : undefined;
      };

      emit();
      const subscription = source.subscribe({
        next: (message) => {
          switch (message.kind) {
            case 'join': {
              const id = message.member.instance_id;
              const known = members.get(id);
              const changed = known === undefined || JSON.stringify(known.info) !== JSON.stringify(message.member);
              if (changed) {
                known?.timer?.unsubscribe();
                members.set(id, { info: message.member, everyMs: known?.everyMs ?? DEFAULT_STATUS_EVERY_MS, timer: undefined });
              }
              watch(id);
              if (changed) emit();
              return;
            }
            case 'leave':
              remove(message.instanceId);
              return;
            case 'status': {
              const member = members.get(message.instanceId);
              if (member === undefined) return;
              if (message.state === 'gone') return remove(message.instanceId);
              if (message.everyMs !== undefined && message.everyMs > 0) member.everyMs = message.everyMs;
              watch(message.instanceId);
              return;
            }
            case 'connected':
              online = true;
              for (const id of members.keys()) watch(id);
              return;
            case 'disconnected':
              online = false;
              for (const id of members.keys()) watch(id);
              return;
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        for (const member of members.values()) member.timer?.unsubscribe();
      };
    });
}
