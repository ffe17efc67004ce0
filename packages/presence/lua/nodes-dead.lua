-- Lists the nodes whose heartbeat has expired (on Redis's clock, see node-heartbeat.lua).
-- KEYS: nodes
-- Returns their ids.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
