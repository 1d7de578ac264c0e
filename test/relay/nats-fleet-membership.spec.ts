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

  it('follows the sketch of its doc comment: a relay silent for silenceMs (killed: no leave) takes its instance out; a join brings it back', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const messages = hot('-j--s--s----------j--l-|', M);
      const expected = '    ma----------b-----a--b-|';
      expectObservable(messages.pipe(fleetMembership({ silenceMs: 5, scheduler: testScheduler }), map(ids))).toBe(expected, { m: '', a: 'a', b: '' });
    });
  });

  it('each member has its own silence; a gone status or a leave takes it out at once', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const messages = hot('-jk-st-st-gt-------|', M);
      const expected = '    mab-------c----e---|';
      expectObservable(messages.pipe(fleetMembership({ silenceMs: 4, scheduler: testScheduler }), map(ids))).toBe(expected, { m: '', a: 'a', b: 'a+b', c: 'b', e: '' });
    });
  });

  it('without silenceMs, waits three of the status periods its relay announces', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const messages = hot('-j-f--------|', M);
      const expected = '    ma-------b--|';
      expectObservable(messages.pipe(fleetMembership({ scheduler: testScheduler }), map(ids))).toBe(expected, { m: '', a: 'a', b: '' });
    });
  });

  it('counts no silence while its own connection is down, and gives every member a full period when it is back', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const messages = hot('-j-d------c-------|', M);
      const expected = '    ma-------------b--|';
      expectObservable(messages.pipe(fleetMembership({ silenceMs: 5, scheduler: testScheduler }), map(ids))).toBe(expected, { m: '', a: 'a', b: '' });
    });
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
    testScheduler.run(({ hot, expectObservable }) => {
      const messages = hot('-s-t-|', M);
      expectObservable(messages.pipe(fleetMembership({ silenceMs: 2, scheduler: testScheduler }), map(ids))).toBe('m----|', { m: '' });
    });
  });
});
