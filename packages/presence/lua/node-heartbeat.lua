-- Extends a node's heartbeat and stores what it reports. Liveness is judged on Redis's clock, not on
-- each pod's: clock skew between pods cannot reap a live one.
-- KEYS: nodes, nodeReports
-- ARGV: nodeId, ttlMs, report (JSON; '' keeps the stored one)
-- Returns 1 when the node was not known yet.
local now = now_ms()
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
end
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
