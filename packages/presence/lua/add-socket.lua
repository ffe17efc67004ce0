-- The handshake of a signed-in socket, in one round trip: the deny-list, the registration under
-- the per-user limit, and the user's memberships (which the socket joins before it is connected).
-- KEYS: userSockets, userMeta, nodeSockets, conns, online, previousNodeSockets, denyUser, denyToken,
--   userRooms, offlineMembers, lifecycle, watchers
-- ARGV: socketId, nodeId, member, username, limit, previousNodeId, checkDeny ('1': check KEYS[7],
--   KEYS[8]), lifecycleMaxLen, userId
-- Returns {status, first(0/1), connections, watched(0/1), rooms...}: status 1 accepted, 0 over the
-- limit, 2 the user or token is revoked (nothing stored); watched 1 when the user just came online and
-- a node has a socket watching them (only then is their `player:online` published). A socket already stored under another node (recovered
-- on another pod) moves to this one when that node is previousNodeId (KEYS[6] its set); under any
-- other node it returns {-1, thatNodeId}: the caller retries with that node's set.
if ARGV[7] == '1' and (redis.call('EXISTS', KEYS[7]) == 1 or redis.call('EXISTS', KEYS[8]) == 1) then
  return {2, 0, redis.call('HLEN', KEYS[1]), 0}
end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  if current ~= ARGV[2] then
    if current ~= ARGV[6] then
      return {-1, current}
    end
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
    redis.call('SREM', KEYS[6], ARGV[3])
    redis.call('SADD', KEYS[3], ARGV[3])
  end
  return append_all({1, 0, redis.call('HLEN', KEYS[1]), 0}, redis.call('SMEMBERS', KEYS[9]))
end
local limit = tonumber(ARGV[5])
local count = redis.call('HLEN', KEYS[1])
if limit > 0 and count >= limit then
  return {0, 0, count, 0}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('INCR', KEYS[4])
local first = 0
local watched = 0
if count == 0 then
  first = 1
  if redis.call('EXISTS', KEYS[12]) == 1 then
    watched = 1
  end
  redis.call('INCR', KEYS[5])
  redis.call('HSET', KEYS[2], 'username', ARGV[4], 'status', 'online')
  -- Back within the grace: the memberships no longer expire.
  redis.call('ZREM', KEYS[10], ARGV[9])
  lifecycle(KEYS[11], ARGV[8], 'player:online', {userId = ARGV[9], username = ARGV[4]}, ARGV[2], now_ms())
end
return append_all({1, first, count + 1, watched}, redis.call('SMEMBERS', KEYS[9]))
