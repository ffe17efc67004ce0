-- Counts a room's members (in the shard of the room's name): the change that takes it to 0 appends
-- room:emptied to that shard's lifecycle feed.
-- KEYS: roomCount, lifecycle
-- ARGV: delta, room, nodeId, lifecycleMaxLen
-- Returns the count after the change.
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count <= 0 then
  redis.call('DEL', KEYS[1])
  if tonumber(ARGV[1]) < 0 then
    lifecycle(KEYS[2], ARGV[4], 'room:emptied', {room = ARGV[2]}, ARGV[3], now_ms())
  end
  return 0
end
return count
