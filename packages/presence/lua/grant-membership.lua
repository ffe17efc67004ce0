-- Grants a user a membership of a room (a ticket join or a backend join).
-- KEYS: userRooms, roomMembers, userSockets, userMeta, offlineMembers, lifecycle
-- ARGV: userId, username ('' = the stored one, else the user id), room, nodeId, graceMs, lifecycleMaxLen
-- Returns {granted(0/1), username}: 1 when the user did not hold it (appended to the lifecycle feed as
-- room:player_joined). A user with no socket gets the grace like one who just left.
if redis.call('SADD', KEYS[1], ARGV[3]) == 0 then
  return {0, redis.call('HGET', KEYS[2], ARGV[1]) or ARGV[1]}
end
local username = ARGV[2]
if username == '' then
  username = redis.call('HGET', KEYS[4], 'username') or ARGV[1]
end
redis.call('HSET', KEYS[2], ARGV[1], username)
local now = now_ms()
if redis.call('EXISTS', KEYS[3]) == 0 then
  redis.call('ZADD', KEYS[5], 'NX', now + tonumber(ARGV[5]), ARGV[1])
end
lifecycle(KEYS[6], ARGV[6], 'room:player_joined', {userId = ARGV[1], username = username, room = ARGV[3]}, ARGV[4], now)
return {1, username}
