-- Unregisters a node as a watcher of several users, all in one shard (its last socket watching each
-- stopped), or removes a dead node's registrations (the reaper).
-- KEYS: nodeWatches, then the watchers key of each user, in ARGV order
-- ARGV: nodeId, then the user ids
-- Returns the number of users unregistered.
local removed = 0
for i = 2, #ARGV do
  redis.call('SREM', KEYS[i], ARGV[1])
  removed = removed + redis.call('SREM', KEYS[1], ARGV[i])
end
return removed
