import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { InstanceInfo, InstanceListing } from '../../src/observables/discovery/registry';
import { fleetMembership, type MembershipMessage } from '../../src/observables/transports/nats/fleet-membership';

const info = (id: string, pid = 100): InstanceInfo => ({
  instance_id: id,
  path: `/work/${id}`,
  pid,
  pub_port: 5551,
  rpc_port: 5552,
  started_at: new Date('2026-03-01T10:00:00Z'),
  mode: 'tui',
  is_primary: true,
  file: 'nats:host-a',
  pubEndpoint: id,
  rpcEndpoint: id,
});

/** A listing as marble text: the member ids joined by '+', '' when none. */
const ids = (listing: InstanceListing): string => listing.instances.map((instance) => instance.instance_id).join('+');

describe('fleetMembership (virtual time)', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const M: Record<string, MembershipMessage> = {
    j: { kind: 'join', member: info('a') },
    k: { kind: 'join', member: info('b') },
    J: { kind: 'join', member: info('a', 200) },
    s: { kind: 'status', instanceId: 'a', state: 'up', everyMs: 5000 },
    t: { kind: 'status', instanceId: 'b', state: 'up' },
    g: { kind: 'status', instanceId: 'a', state: 'gone' },
    f: { kind: 'status', instanceId: 'a', state: 'up', everyMs: 2 },
    l: { kind: 'leave', instanceId: 'a' },
    d: { kind: 'disconnected' },
    c: { kind: 'connected' },
  };

  /** Expects `messages` (marbles of M) through fleetMembership to give the listings `expected` (as `ids`). */
  const expectListings = (options: { readonly silenceMs?: number }, messages: string, expected: string, values: Record<string, string>): void =>
    testScheduler.run(({ hot, expectObservable }) => {
      expectObservable(hot(messages, M).pipe(fleetMembership({ ...options, scheduler: testScheduler }), map(ids))).toBe(expected, values);
    });

  it('follows the sketch of its doc comment: a relay silent for silenceMs (killed: no leave) takes its instance out; a join brings it back', () => {
    expectListings(
      { silenceMs: 5 },
      '-j--s--s----------j--l-|',
      'ma----------b-----a--b-|',
      { m: '', a: 'a', b: '' },
    );
  });

  it('each member has its own silence; a gone status or a leave takes it out at once', () => {
    expectListings(
      { silenceMs: 4 },
      '-jk-st-st-gt-------|',
      'mab-------c----e---|',
      { m: '', a: 'a', b: 'a+b', c: 'b', e: '' },
    );
  });

  it('without silenceMs, waits three of the status periods its relay announces', () => {
    expectListings(
      {},
      '-j-f--------|',
      'ma-------b--|',
      { m: '', a: 'a', b: '' },
    );
  });

  it('counts no silence while its own connection is down, and gives every member a full period when it is back', () => {
    expectListings(
      { silenceMs: 5 },
      '-j-d------c-------|',
      'ma-------------b--|',
      { m: '', a: 'a', b: '' },
    );
  });

  it('emits nothing for a join it knows already, and a new listing when the member changed (another process)', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const messages = hot('-j-j-J-|', M);
      const expected = '    ma---b-|';
      expectObservable(messages.pipe(fleetMembership({ silenceMs: 100, scheduler: testScheduler }), map((listing) => `${ids(listing)}:${listing.instances[0]?.pid ?? ''}`))).toBe(expected, {
        m: ':',
        a: 'a:100',
        b: 'a:200',
      });
    });
  });

  it('ignores the status of an instance it does not know (it joins only with its description)', () => {
    expectListings({ silenceMs: 2 }, '-s-t-|', 'm----|', { m: '' });
  });
});
