-- Prepended to every presence script when it is loaded (redis-scripts.ts): Redis time, and the
-- lifecycle feed's append. Callers pass the stream as a key they declared in KEYS.

-- Epoch ms on Redis's clock: every pod and emitter judges time by the same clock.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Appends one transition to the shard's lifecycle stream, capped at about maxLen entries.
local function lifecycle(stream, maxLen, event, data, nodeId, ts)
  redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*',
    'event', event, 'data', cjson.encode(data), 'nodeId', nodeId, 'ts', string.format('%.0f', ts))
end

-- The rooms a user holds, as a flat list appended to a reply.
local function append_all(reply, list)
  for i = 1, #list do
    reply[#reply + 1] = list[i]
  end
  return reply
end
