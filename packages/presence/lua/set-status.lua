-- Stores the status of an online user, unless it already is that status.
-- KEYS: userSockets, userMeta
-- ARGV: status
-- Returns 0 when the user is offline (nothing stored), 1 when the status changed, 2 when the user
-- already had it (nothing written: nobody is to be told).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
-- A session starts `online`: a missing field reads as that.
if (redis.call('HGET', KEYS[2], 'status') or 'online') == ARGV[1] then
  return 2
end
redis.call('HSET', KEYS[2], 'status', ARGV[1])
return 1
