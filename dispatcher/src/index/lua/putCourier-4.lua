-- putCourier: registers a courier (or replaces its record) and lists it in its cell atomically.
-- KEYS[1] courier hash, KEYS[2] seen sorted set, KEYS[3] idle hash,
-- KEYS[4] where hash (id -> 'cell:at' of the listed, includes/relocate)
-- ARGV[1] cell key prefix, ARGV[2] id, ARGV[3] lat, ARGV[4] lng,
-- ARGV[5] index cell, ARGV[6] state, ARGV[7] kind, ARGV[8] vehicle, ARGV[9] load,
-- ARGV[10] capacity, ARGV[11] atMs, ARGV[12] shiftEndMs ('' when unknown)
-- returns 1 new courier, 0 replaced, -2 load over capacity
--- @include "record"
--- @include "relocate"

if tonumber(ARGV[9]) > tonumber(ARGV[10]) then
  return -2
end
local cur = redis.call('HMGET', KEYS[1], 'cell', 'state', 'slot')
local cell, slot = located(redis.call('HGET', KEYS[4], ARGV[2]))
local rec = record(ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[3], ARGV[4], ARGV[11], ARGV[12], ARGV[2])
relocate(ARGV[1], KEYS[4], KEYS[3], ARGV[2], cell or cur[1], cur[2], slot, ARGV[5], ARGV[6], rec)
redis.call('HSET', KEYS[1], 'lat', ARGV[3], 'lng', ARGV[4], 'cell', ARGV[5], 'state', ARGV[6],
  'kind', ARGV[7], 'vehicle', ARGV[8], 'load', ARGV[9], 'capacity', ARGV[10], 'lastSeenMs', ARGV[11])
if ARGV[12] == '' then
  redis.call('HDEL', KEYS[1], 'shiftEndMs')
else
  redis.call('HSET', KEYS[1], 'shiftEndMs', ARGV[12])
end
if cur[3] then -- a `slot` field of the layout before `where`
  redis.call('HDEL', KEYS[1], 'slot')
end
redis.call('ZADD', KEYS[2], ARGV[11], ARGV[2])
if cur[2] then
  return 0
end
return 1
