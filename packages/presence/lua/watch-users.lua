-- Registers a node as a watcher of several users, all in one shard, and reads their presence (the
-- `player:watch` of a socket on that node): from now on their online/offline is published.
-- KEYS: nodeWatches, then for each user i (1-based): userSockets, userMeta, watchers of that user
--   (KEYS[3i - 1], KEYS[3i], KEYS[3i + 1])
-- ARGV: nodeId, then the user ids, in KEYS order
-- Returns a flat list, in KEYS order: connections, status per user (status '' when offline).
local out = {}
for i = 1, #ARGV - 1 do
  local sockets = KEYS[3 * i - 1]
  redis.call('SADD', KEYS[3 * i + 1], ARGV[1])
  redis.call('SADD', KEYS[1], ARGV[i + 1])
  local connections = redis.call('HLEN', sockets)
  local status = ''
  if connections > 0 then
    status = redis.call('HGET', KEYS[3 * i], 'status') or 'online'
  end
  table.insert(out, connections)
  table.insert(out, status)
end
return out
