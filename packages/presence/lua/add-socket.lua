-- Registers a socket of a user, under the per-user limit.
-- KEYS: userSockets, userMeta, nodeSockets, conns, online, previousNodeSockets
-- ARGV: socketId, nodeId, member, username, limit, previousNodeId
-- Returns {accepted(0/1), first(0/1), connections}. A socket already stored under another node
-- (recovered on another pod) moves to this one when that node is previousNodeId (KEYS[6] its set);
-- under any other node it returns {-1, thatNodeId}: the caller retries with that node's set.
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
  return {1, 0, redis.call('HLEN', KEYS[1])}
end
local limit = tonumber(ARGV[5])
local count = redis.call('HLEN', KEYS[1])
if limit > 0 and count >= limit then
  return {0, 0, count}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('INCR', KEYS[4])
if count == 0 then
  redis.call('INCR', KEYS[5])
  redis.call('HSET', KEYS[2], 'username', ARGV[4], 'status', 'online')
  return {1, 1, 1}
end
return {1, 0, count + 1}
