import t from 'tap';
import { MemoryDenyList, MemoryLifecycle, MemoryMemberships, MemoryPresence } from '@gamesocket/presence';
import { cachedClusterReads, type ClusterSources } from '../../src/http/admin/cluster-read.js';

/** Memory stores behind an overview, counting how often the cluster is read. */
function sources(): { sources: ClusterSources; reads: () => number } {
  const lifecycle = new MemoryLifecycle();
  const memberships = new MemoryMemberships({ graceMs: 60_000, lifecycle });
  const presence = new MemoryPresence({ memberships, denyList: new MemoryDenyList(), lifecycle });
  let reads = 0;
  const stats = async (): Promise<{ online: number; connections: number; nodes: number }> => {
    reads++;
    return { online: 0, connections: 0, nodes: 1 };
  };
  return { sources: { presence, memberships, stats }, reads: () => reads };
}

t.test('the refresh reads of the overview reuse one read per period and search', async (t) => {
  const { sources: stores, reads } = sources();
  let now = 1_000;
  const overview = cachedClusterReads(stores, 2_500, () => now);
  await overview('');
  await overview('');
  t.equal(reads(), 1, 'a second tab within the period: no new read');
  await overview('ali');
  t.equal(reads(), 2, 'another search is read on its own');
  now += 2_500;
  await overview('');
  t.equal(reads(), 3, 'after the period: read again');
  await stores.memberships.grant({ userId: 'alice' }, 'room:r1', 'pod-0');
  now += 2_500;
  const view = await overview('');
  t.match(view.rooms, { ok: true, value: { rooms: [{ room: 'room:r1', members: 1 }] } }, 'a new read sees the change');
});
