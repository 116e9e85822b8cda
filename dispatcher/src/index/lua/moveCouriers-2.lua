-- moveCouriers: applies a batch of pings atomically, each moving its courier between cells.
-- KEYS[1] seen   sorted set courier id -> last seen ms
-- KEYS[2] idle   hash index cell -> idle couriers
-- ARGV[1] cell key prefix, ARGV[2] courier key prefix,
-- then per ping 5 values: courier id, lat, lng, index cell, atMs
-- returns one code per ping: 1 moved to another cell, 0 same cell,
--   -1 unknown courier (no hash), -10 stale (atMs older than lastSeenMs)
--- @include "card"
--- @include "relocate"

local cellPrefix, courierPrefix = ARGV[1], ARGV[2]
local results = {}
for i = 3, #ARGV, 5 do
  local id, lat, lng, cell, atMs = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local courierKey = courierPrefix .. id
  local cur = redis.call('HMGET', courierKey, 'cell', 'state', 'lastSeenMs', 'load', 'capacity', 'kind',
    'vehicle', 'shiftEndMs')
  local code
  if not cur[2] then
    code = -1
  elseif tonumber(cur[3]) > tonumber(atMs) then
    code = -10
  else
    redis.call('HSET', courierKey, 'lat', lat, 'lng', lng, 'cell', cell, 'lastSeenMs', atMs)
    redis.call('ZADD', KEYS[1], atMs, id)
    local newCard = card(cur[2], lat, lng, atMs, cur[4], cur[5], cur[6], cur[7], cur[8])
    relocate(cellPrefix, KEYS[2], id, cur[1], cur[2], cell, cur[2], newCard)
    code = cur[1] == cell and 0 or 1
  end
  results[#results + 1] = code
end
return results
