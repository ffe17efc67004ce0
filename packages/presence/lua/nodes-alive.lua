-- Counts the nodes whose heartbeat has not expired (on Redis's clock, see node-heartbeat.lua).
-- KEYS: nodes
-- Returns the number of live nodes.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
