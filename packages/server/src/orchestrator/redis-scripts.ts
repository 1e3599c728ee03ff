/**
 * Lua scripts of the Redis runner registry. Each runs atomically on the Redis server, which is
 * what makes cross-node reservation safe: no two nodes can see the same free slot. The scripts
 * touch keys derived from their arguments (runner hashes and load hashes), so they need a
 * single Redis (or a primary with replicas), not Redis Cluster.
 *
 * Key layout (all under the configured prefix `P`):
 * - `P runner:<space>:<worker>`  hash: agent, pool, dev, max, disp, drain, node, conn, placement,
 *   connected, seen, jobs, last. Expires `ttlMs` after its register or last heartbeat.
 * - `P agent:<space>:<agent>`    set of worker ids registered for the agent (pruned lazily).
 * - `P space:<space>`            set of worker ids of the space (pruned lazily).
 * - `P load:<space>:<worker>`    hash reservation id -> node id; its size is the runner's load.
 *   Kept across reconnects, so live calls keep counting against a runner that re-registers.
 * - `P nres:<node>`              hash reservation id -> load key: what a node holds, so the node
 *   (or a survivor, once it is dead) can release everything it held.
 * - `P clock`                    counter ordering assignments (least recently assigned wins ties).
 */

/**
 * KEYS: runner, agent index, space index. ARGV: worker, node, conn, ttlMs, then field/value
 * pairs. Replaces any entry with the same key; returns the previous owner's {node, conn} or
 * an empty array.
 */
export const REGISTER_LUA = `
local prev = redis.call('HMGET', KEYS[1], 'node', 'conn')
redis.call('DEL', KEYS[1])
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], 'node', ARGV[2], 'conn', ARGV[3], unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
if prev[2] then return {prev[1], prev[2]} end
return {}
`;

/** KEYS: runner. ARGV: conn, ttlMs, jobs, drain, seen. 1 when `conn` still owns the entry. */
export const HEARTBEAT_LUA = `
if redis.call('HGET', KEYS[1], 'conn') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'jobs', ARGV[3], 'drain', ARGV[4], 'seen', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: runner. ARGV: conn. Deletes the entry only when `conn` owns it. */
export const UNREGISTER_LUA = `
if redis.call('HGET', KEYS[1], 'conn') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * KEYS: agent index, clock, node reservations. ARGV: prefix, space, agent, reservation id,
 * node, then excluded worker ids. Picks like the in-process registry: the ordinary pool unless
 * it has no live non-draining runner (then the dev pool), among runners with a free slot the
 * lowest utilisation, then the fewest reservations, then the least recently assigned.
 * Returns {worker, node, conn} or an empty array.
 */
export const RESERVE_LUA = `
local prefix, space, agent, rid, node = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local excluded = {}
for i = 6, #ARGV do excluded[ARGV[i]] = true end
local members = redis.call('SMEMBERS', KEYS[1])
local candidates = {}
local ordinary = false
for _, w in ipairs(members) do
  local rk = prefix .. 'runner:' .. space .. ':' .. w
  local f = redis.call('HMGET', rk, 'agent', 'disp', 'drain', 'dev', 'max', 'last', 'node', 'conn')
  if not f[1] or f[1] ~= agent then
    redis.call('SREM', KEYS[1], w)
  elseif f[2] == '1' and f[3] == '0' then
    if f[4] == '0' then ordinary = true end
    candidates[#candidates + 1] = {w, f}
  end
end
local best, bestLoad, bestMax, bestLast, bestLoadKey
for _, c in ipairs(candidates) do
  local w, f = c[1], c[2]
  if (not ordinary or f[4] == '0') and not excluded[w] then
    local lk = prefix .. 'load:' .. space .. ':' .. w
    local load = redis.call('HLEN', lk)
    local max = tonumber(f[5])
    local last = tonumber(f[6]) or 0
    if load < max then
      local better = false
      if not best then
        better = true
      else
        local a, b = load * bestMax, bestLoad * max
        if a ~= b then better = a < b
        elseif load ~= bestLoad then better = load < bestLoad
        else better = last < bestLast end
      end
      if better then
        best, bestLoad, bestMax, bestLast, bestLoadKey = c, load, max, last, lk
      end
    end
  end
end
if not best then return {} end
redis.call('HSET', bestLoadKey, rid, node)
redis.call('HSET', KEYS[3], rid, bestLoadKey)
local clock = redis.call('INCR', KEYS[2])
redis.call('HSET', prefix .. 'runner:' .. space .. ':' .. best[1], 'last', clock)
return {best[1], best[2][7], best[2][8]}
`;

/** KEYS: load, node reservations. ARGV: reservation id. */
export const RELEASE_LUA = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`;

/** KEYS: node reservations. Releases every reservation a node holds; returns how many. */
export const RELEASE_NODE_LUA = `
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do redis.call('HDEL', all[i + 1], all[i]) end
redis.call('DEL', KEYS[1])
return #all / 2
`;
