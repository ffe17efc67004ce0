-- Counts the nodes whose heartbeat has not expired (on Redis's clock, see node-heartbeat.lua).
-- KEYS: nodes
-- Returns the number of live nodes.
local now = now_ms()
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
