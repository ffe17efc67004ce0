-- Stores the status of an online user.
-- KEYS: userSockets, userMeta
-- ARGV: status
-- Returns 1 when the user is online and the status was stored.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[2], 'status', ARGV[1])
return 1
