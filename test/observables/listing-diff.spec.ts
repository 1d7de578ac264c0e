import { diffListing, incarnationKey } from '../../src/observables/discovery/listing-diff';
import type { InstanceInfo } from '../../src/observables/discovery/registry';

const instance = (id: string, pid: number, pubPort = 5000): InstanceInfo => ({
  instance_id: id,
  pid,
  path: `/work/${id}`,
  pub_port: pubPort,
  rpc_port: pubPort + 1,
  started_at: new Date('2026-11-30T00:00:00Z'),
  mode: 'tui',
  is_primary: true,
  file: `/tmp/pando-instances/${id}.json`,
  pubEndpoint: `tcp://127.0.0.1:${pubPort}`,
  rpcEndpoint: `tcp://127.0.0.1:${pubPort + 1}`,
});

describe('diffListing', () => {
  const held = (...instances: InstanceInfo[]) => new Map(instances.map((i) => [i.instance_id, incarnationKey(i)]));
  const same = (key: string) => key;

  it('changes nothing when the listing lists what is held', () => {
    expect(diffListing(held(instance('a', 1), instance('b', 2)), same, [instance('b', 2), instance('a', 1)])).toEqual({ left: [], joined: [] });
  });

  it('drops an id no longer listed and takes a new one', () => {
    const c = instance('c', 3);
    expect(diffListing(held(instance('a', 1), instance('b', 2)), same, [instance('b', 2), c])).toEqual({ left: ['a'], joined: [c] });
  });

  it('replaces an id listed as another incarnation (a new process, or new ports): it leaves, then joins', () => {
    const restarted = instance('a', 9);
    const moved = instance('b', 2, 6000);
    expect(diffListing(held(instance('a', 1), instance('b', 2)), same, [restarted, moved])).toEqual({ left: ['a', 'b'], joined: [restarted, moved] });
  });

  it('compares by the key it is given', () => {
    const byPath = (i: InstanceInfo) => `${incarnationKey(i)}|${i.path}`;
    const renamed = { ...instance('a', 1), path: '/work/elsewhere' };
    const holding = new Map([['a', instance('a', 1)]]);
    expect(diffListing(holding, byPath, [renamed], byPath)).toEqual({ left: ['a'], joined: [renamed] });
  });
});
