-- Extends a node's heartbeat. Liveness is judged on Redis's clock, not on each pod's: clock skew
-- between pods cannot reap a live one.
-- KEYS: nodes
-- ARGV: nodeId, ttlMs
-- Returns 1 when the node was not known yet.
local now = now_ms()
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
