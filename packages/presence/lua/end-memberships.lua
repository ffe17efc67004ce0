-- Ends memberships of one user.
-- KEYS: userRooms, offlineMembers, lifecycle, then roomMembers of each room i (KEYS[3 + i])
-- ARGV: userId, reason, nodeId, lifecycleMaxLen, then the rooms
-- Returns the rooms the user held (each appended to the lifecycle feed as room:player_left).
local ended = {}
local now = now_ms()
for i = 1, #ARGV - 4 do
  local room = ARGV[4 + i]
  local members = KEYS[3 + i]
  if redis.call('SREM', KEYS[1], room) == 1 then
    redis.call('HDEL', members, ARGV[1])
    lifecycle(KEYS[3], ARGV[4], 'room:player_left', {userId = ARGV[1], room = room, reason = ARGV[2]}, ARGV[3], now)
    table.insert(ended, room)
  end
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return ended
