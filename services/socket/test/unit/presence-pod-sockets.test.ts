import t from 'tap';
import { PodSockets } from '../../src/presence/pod-sockets.js';

const entry = (socketId: string, userId = 'u1') => ({ socketId, userId, nodeId: 'n', username: `name-${userId}` });

t.test('a pod starts dirty, so its first heartbeat resyncs', async (t) => {
  t.equal(new PodSockets().dirty, true);
});

t.test('a socket is released once only', async (t) => {
  const sockets = new PodSockets();
  sockets.add(entry('s1'));
  t.same(sockets.take('s1'), entry('s1'));
  t.equal(sockets.take('s1'), undefined, 'a second release finds nothing');
  t.equal(sockets.take('never'), undefined);
  t.same(sockets.snapshot().entries, []);
});

t.test('a resync leaves the pod clean unless a socket came or went meanwhile', async (t) => {
  const sockets = new PodSockets();
  sockets.add(entry('s1'));
  const quiet = sockets.snapshot();
  t.same(quiet.entries, [entry('s1')]);
  sockets.synced(quiet.version);
  t.equal(sockets.dirty, false, 'nothing changed during the resync');

  const arrival = sockets.snapshot();
  sockets.add(entry('s2'));
  sockets.synced(arrival.version);
  t.equal(sockets.dirty, true, 'a socket arrived during the resync');

  const departure = sockets.snapshot();
  sockets.take('s1');
  sockets.synced(departure.version);
  t.equal(sockets.dirty, true, 'a socket left during the resync');

  sockets.synced(sockets.snapshot().version);
  t.equal(sockets.dirty, false);
});

t.test('a missed removal marks the pod dirty and is handed to one resync', async (t) => {
  const sockets = new PodSockets();
  sockets.synced(sockets.snapshot().version);
  sockets.missedRemoval(entry('s1'));
  sockets.missedRemoval(entry('s1'));
  sockets.missedRemoval(entry('s2', 'u2'));
  t.equal(sockets.dirty, true);
  t.same(sockets.takeMissedRemovals(), [entry('s1'), entry('s2', 'u2')], 'each socket once');
  t.same(sockets.takeMissedRemovals(), [], 'then forgotten');
});
