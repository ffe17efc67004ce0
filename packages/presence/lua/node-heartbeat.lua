-- Extends a node's heartbeat. Liveness is judged on Redis's clock, not on each pod's: clock skew
-- between pods cannot reap a live one.
-- KEYS: nodes
-- ARGV: nodeId, ttlMs
-- Returns 1 when the node was not known yet.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
