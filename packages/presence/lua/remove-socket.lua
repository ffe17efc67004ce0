-- Removes a socket of a user. Only the node that holds the socket removes it (a recovered socket
-- may have moved to another pod meanwhile). The user's last socket makes them offline: appended to
-- the lifecycle feed, and their memberships start their grace.
-- KEYS: userSockets, userMeta, nodeSockets, conns, online, userRooms, offlineMembers, lifecycle, watchers
-- ARGV: socketId, member, nodeId, keepLast ('1': leave the user's last socket in place), userId,
--   graceMs, lifecycleMaxLen
-- Returns {last(0/1), connections, username, watched(0/1) (both when last)}: watched 1 when a node
-- has a socket watching the user (only then is their `player:offline` published).
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[3] then
  redis.call('SREM', KEYS[3], ARGV[2])
  return {0, redis.call('HLEN', KEYS[1])}
end
if ARGV[4] == '1' and redis.call('HLEN', KEYS[1]) == 1 then
  return {0, 1}
end
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DECR', KEYS[4])
local count = redis.call('HLEN', KEYS[1])
if count == 0 then
  redis.call('DECR', KEYS[5])
  local username = redis.call('HGET', KEYS[2], 'username') or ARGV[5]
  redis.call('DEL', KEYS[2])
  local now = now_ms()
  if redis.call('EXISTS', KEYS[6]) == 1 then
    redis.call('ZADD', KEYS[7], now + tonumber(ARGV[6]), ARGV[5])
  end
  lifecycle(KEYS[8], ARGV[7], 'player:offline', {userId = ARGV[5], username = username}, ARGV[3], now)
  return {1, 0, username, redis.call('EXISTS', KEYS[9])}
end
return {0, count}
