-- Lists every registered node with its heartbeat expiry and last report (on Redis's clock, see
-- node-heartbeat.lua), for the admin view.
-- KEYS: nodes, nodeReports
-- Returns now, then per node: nodeId, expiry (epoch ms), report ('' when none).
local now = now_ms()
local nodes = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local reply = { now }
for i = 1, #nodes, 2 do
  reply[#reply + 1] = nodes[i]
  reply[#reply + 1] = nodes[i + 1]
  reply[#reply + 1] = redis.call('HGET', KEYS[2], nodes[i]) or ''
end
return reply
