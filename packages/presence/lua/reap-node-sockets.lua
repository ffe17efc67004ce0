-- Removes the given sockets of a node, all in one shard (the caller read them from nodeSockets).
-- KEYS: nodeSockets, conns, online, offlineMembers, lifecycle, then for each member i (1-based):
--   userSockets, userMeta, userRooms of its user (KEYS[3 + 3i], KEYS[4 + 3i], KEYS[5 + 3i])
-- ARGV: nodeId, graceMs, lifecycleMaxLen, then the members ("socketId userId") to remove
-- Returns a flat list: userId, username, ... of the users left with no socket (each appended to
-- the lifecycle feed as offline, their memberships starting their grace). A member no longer in
-- nodeSockets was removed meanwhile by whoever removed it; a socket that moved to another node
-- stays there.
local gone = {}
local now = now_ms()
for i = 1, #ARGV - 3 do
  local member = ARGV[i + 3]
  local sockets = KEYS[3 + 3 * i]
  local meta = KEYS[4 + 3 * i]
  local userRooms = KEYS[5 + 3 * i]
  if redis.call('SREM', KEYS[1], member) == 1 then
    local space = string.find(member, ' ', 1, true)
    local socketId = string.sub(member, 1, space - 1)
    local userId = string.sub(member, space + 1)
    if redis.call('HGET', sockets, socketId) == ARGV[1] then
      redis.call('HDEL', sockets, socketId)
      redis.call('DECR', KEYS[2])
      if redis.call('HLEN', sockets) == 0 then
        redis.call('DECR', KEYS[3])
        local username = redis.call('HGET', meta, 'username') or userId
        redis.call('DEL', meta)
        if redis.call('EXISTS', userRooms) == 1 then
          redis.call('ZADD', KEYS[4], now + tonumber(ARGV[2]), userId)
        end
        lifecycle(KEYS[5], ARGV[3], 'player:offline', {userId = userId, username = username}, ARGV[1], now)
        table.insert(gone, userId)
        table.insert(gone, username)
      end
    end
  end
end
return gone
