-- Lists the users of one shard whose membership grace has ended (on Redis's clock).
-- KEYS: offlineMembers
-- ARGV: limit
-- Returns their ids.
local now = now_ms()
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
