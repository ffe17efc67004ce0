-- Removes a socket of a user. Only the node that holds the socket removes it (a recovered socket
-- may have moved to another pod meanwhile).
-- KEYS: userSockets, userMeta, nodeSockets, conns, online
-- ARGV: socketId, member, nodeId, keepLast ('1': leave the user's last socket in place)
-- Returns {last(0/1), connections, username (when last)}.
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
  local username = redis.call('HGET', KEYS[2], 'username')
  redis.call('DEL', KEYS[2])
  return {1, 0, username or ''}
end
return {0, count}
