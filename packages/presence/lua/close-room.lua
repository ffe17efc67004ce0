-- Ends every membership of a room held by users of one shard (closing a room runs it per shard).
-- KEYS: roomMembers, offlineMembers, lifecycle, then userRooms of each user i (KEYS[3 + i])
-- ARGV: room, reason, nodeId, lifecycleMaxLen, then the user ids (read from roomMembers)
-- Returns the users whose membership ended (each appended to the lifecycle feed as room:player_left).
local ended = {}
local now = now_ms()
for i = 1, #ARGV - 4 do
  local userId = ARGV[4 + i]
  local userRooms = KEYS[3 + i]
  if redis.call('SREM', userRooms, ARGV[1]) == 1 then
    redis.call('HDEL', KEYS[1], userId)
    if redis.call('EXISTS', userRooms) == 0 then
      redis.call('ZREM', KEYS[2], userId)
    end
    lifecycle(KEYS[3], ARGV[4], 'room:player_left', {userId = userId, room = ARGV[1], reason = ARGV[2]}, ARGV[3], now)
    table.insert(ended, userId)
  end
end
return ended
