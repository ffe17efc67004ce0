-- Removes the given sockets of a node, all in one shard (the caller read them from nodeSockets).
-- KEYS: nodeSockets, conns, online, then for each member i (1-based): userSockets, userMeta of
--   its user (KEYS[2 + 2i], KEYS[3 + 2i])
-- ARGV: nodeId, then the members ("socketId userId") to remove
-- Returns a flat list: userId, username, ... of the users left with no socket. A member no longer
-- in nodeSockets was removed meanwhile by whoever removed it; a socket that moved to another node
-- stays there.
local gone = {}
for i = 1, #ARGV - 1 do
  local member = ARGV[i + 1]
  local sockets = KEYS[2 + 2 * i]
  local meta = KEYS[3 + 2 * i]
  if redis.call('SREM', KEYS[1], member) == 1 then
    local space = string.find(member, ' ', 1, true)
    local socketId = string.sub(member, 1, space - 1)
    local userId = string.sub(member, space + 1)
    if redis.call('HGET', sockets, socketId) == ARGV[1] then
      redis.call('HDEL', sockets, socketId)
      redis.call('DECR', KEYS[2])
      if redis.call('HLEN', sockets) == 0 then
        redis.call('DECR', KEYS[3])
        local username = redis.call('HGET', meta, 'username')
        redis.call('DEL', meta)
        table.insert(gone, userId)
        table.insert(gone, username or userId)
      end
    end
  end
end
return gone
