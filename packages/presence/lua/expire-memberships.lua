-- Ends the memberships of users who have had no socket for the grace (one shard).
-- KEYS: offlineMembers, lifecycle, then per user: userSockets, userRooms, and roomMembers of each of
--   the rooms the caller read for that user (in ARGV's order)
-- ARGV: nodeId, lifecycleMaxLen, then per user: userId, the number of rooms n, the n rooms
-- Returns a flat list: userId, room, ... of the memberships that expired (each appended to the
-- lifecycle feed as room:player_left with reason expired). A user back online, or whose rooms
-- changed since the caller read them, is left for the next sweep.
local ended = {}
local now = now_ms()
local a = 3
local k = 3
while a <= #ARGV do
  local userId = ARGV[a]
  local n = tonumber(ARGV[a + 1])
  local sockets = KEYS[k]
  local userRooms = KEYS[k + 1]
  local due = redis.call('ZSCORE', KEYS[1], userId)
  if due and tonumber(due) <= now then
    if redis.call('EXISTS', sockets) == 1 then
      redis.call('ZREM', KEYS[1], userId)
    elseif redis.call('SCARD', userRooms) == n then
      for i = 1, n do
        local room = ARGV[a + 1 + i]
        local members = KEYS[k + 1 + i]
        if redis.call('SREM', userRooms, room) == 1 then
          redis.call('HDEL', members, userId)
          lifecycle(KEYS[2], ARGV[2], 'room:player_left', {userId = userId, room = room, reason = 'expired'}, ARGV[1], now)
          table.insert(ended, userId)
          table.insert(ended, room)
        end
      end
      if redis.call('EXISTS', userRooms) == 0 then
        redis.call('ZREM', KEYS[1], userId)
      end
    end
  end
  a = a + 2 + n
  k = k + 2 + n
end
return ended
