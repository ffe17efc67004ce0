-- Lists the nodes whose heartbeat has expired (on Redis's clock, see node-heartbeat.lua).
-- KEYS: nodes
-- Returns their ids.
local now = now_ms()
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
