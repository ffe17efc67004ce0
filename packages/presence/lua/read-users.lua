-- Reads the presence of several users, all in one shard (one call per shard, not two commands per user).
-- KEYS: for each user i (1-based): userSockets, userMeta of that user (KEYS[2i - 1], KEYS[2i])
-- Returns a flat list, in KEYS order: connections, status per user (status '' when offline).
local out = {}
for i = 1, #KEYS - 1, 2 do
  local sockets = KEYS[i]
  local meta = KEYS[i + 1]
  local connections = redis.call('HLEN', sockets)
  local status = ''
  if connections > 0 then
    status = redis.call('HGET', meta, 'status') or 'online'
  end
  table.insert(out, connections)
  table.insert(out, status)
end
return out
