// Lua scripts of RedisPresence. Every key a script touches carries the same hash tag (the user's
// shard), so each script is atomic on Redis Cluster too.

/**
 * KEYS: userSockets, userMeta, nodeSockets, conns, online
 * ARGV: socketId, nodeId, member, username, limit, shard key prefix
 * Returns { accepted(0/1), first(0/1), connections }. A socket already stored under another node
 * (recovered on another pod) moves to this one.
 */
export const ADD_SOCKET = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  if current ~= ARGV[2] then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
    redis.call('SREM', ARGV[6] .. 'n:' .. current, ARGV[3])
    redis.call('SADD', KEYS[3], ARGV[3])
  end
  return {1, 0, redis.call('HLEN', KEYS[1])}
end
local limit = tonumber(ARGV[5])
local count = redis.call('HLEN', KEYS[1])
if limit > 0 and count >= limit then
  return {0, 0, count}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('INCR', KEYS[4])
if count == 0 then
  redis.call('INCR', KEYS[5])
  redis.call('HSET', KEYS[2], 'username', ARGV[4], 'status', 'online')
  return {1, 1, 1}
end
return {1, 0, count + 1}
`;

/**
 * KEYS: userSockets, userMeta, nodeSockets, conns, online
 * ARGV: socketId, member, nodeId, keepLast ('1': leave the user's last socket in place)
 * Returns { last(0/1), connections, username (when last) }. Only the node that holds the socket
 * removes it (a recovered socket may have moved to another pod meanwhile).
 */
export const REMOVE_SOCKET = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[3] then
  redis.call('SREM', KEYS[3], ARGV[2])
  return {0, redis.call('HLEN', KEYS[1])}
end
if ARGV[4] == '1' and redis.call('HLEN', KEYS[1]) == 1 then
  return {0, 1}
end
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DECR', KEYS[4])
local count = redis.call('HLEN', KEYS[1])
if count == 0 then
  redis.call('DECR', KEYS[5])
  local username = redis.call('HGET', KEYS[2], 'username')
  redis.call('DEL', KEYS[2])
  return {1, 0, username or ''}
end
return {0, count}
`;

/**
 * KEYS: userSockets, userMeta
 * ARGV: status
 * Returns 1 when the user is online and the status was stored.
 */
export const SET_STATUS = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[2], 'status', ARGV[1])
return 1
`;

/**
 * Removes up to ARGV[2] sockets of a node from one shard.
 * KEYS: nodeSockets, conns, online
 * ARGV: shard key prefix (e.g. "gamesocket:{p3}:"), batch size, nodeId
 * Returns a flat list: userId, username, ... of users left with no socket, then "#more" when
 * the node still has sockets in this shard.
 */
export const REAP_NODE_SHARD = `
local members = redis.call('SPOP', KEYS[1], tonumber(ARGV[2]))
local gone = {}
for _, member in ipairs(members) do
  local space = string.find(member, ' ', 1, true)
  local socketId = string.sub(member, 1, space - 1)
  local userId = string.sub(member, space + 1)
  local sockets = ARGV[1] .. 'u:' .. userId
  if redis.call('HGET', sockets, socketId) == ARGV[3] then
    redis.call('HDEL', sockets, socketId)
    redis.call('DECR', KEYS[2])
    if redis.call('HLEN', sockets) == 0 then
      redis.call('DECR', KEYS[3])
      local meta = ARGV[1] .. 'm:' .. userId
      local username = redis.call('HGET', meta, 'username')
      redis.call('DEL', meta)
      table.insert(gone, userId)
      table.insert(gone, username or userId)
    end
  end
end
if redis.call('SCARD', KEYS[1]) > 0 then
  table.insert(gone, '#more')
end
return gone
`;

/** KEYS: lock; ARGV: token. Deletes the lock only when we still hold it. */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

// Node liveness is judged on Redis's clock, not on each pod's: clock skew between pods cannot reap a live one.
const REDIS_NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: nodes; ARGV: nodeId, ttlMs. Returns 1 when the node was not known yet. */
export const NODE_HEARTBEAT = `${REDIS_NOW_MS}
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
`;

/** KEYS: nodes. Returns the number of nodes whose heartbeat has not expired. */
export const NODES_ALIVE = `${REDIS_NOW_MS}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`;

/** KEYS: nodes. Returns the ids of the nodes whose heartbeat has expired. */
export const NODES_DEAD = `${REDIS_NOW_MS}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
`;
