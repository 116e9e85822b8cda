-- putCourier: registers a courier (or replaces its record) and lists it in its cell atomically.
-- KEYS[1] courier hash, KEYS[2] seen sorted set, KEYS[3] idle hash
-- ARGV[1] cell key prefix, ARGV[2] courier key prefix, ARGV[3] id, ARGV[4] lat, ARGV[5] lng,
-- ARGV[6] index cell, ARGV[7] state, ARGV[8] kind, ARGV[9] vehicle, ARGV[10] load,
-- ARGV[11] capacity, ARGV[12] atMs, ARGV[13] shiftEndMs ('' when unknown)
-- returns 1 new courier, 0 replaced, -2 load over capacity
--- @include "record"
--- @include "relocate"

if tonumber(ARGV[10]) > tonumber(ARGV[11]) then
  return -2
end
local cur = redis.call('HMGET', KEYS[1], 'cell', 'state', 'slot')
local rec = record(ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[4], ARGV[5], ARGV[12], ARGV[13], ARGV[3])
local slot = relocate(ARGV[1], ARGV[2], KEYS[3], ARGV[3], cur[1], cur[2], cur[3], ARGV[6], ARGV[7], rec)
redis.call('HSET', KEYS[1], 'lat', ARGV[4], 'lng', ARGV[5], 'cell', ARGV[6], 'state', ARGV[7],
  'kind', ARGV[8], 'vehicle', ARGV[9], 'load', ARGV[10], 'capacity', ARGV[11], 'lastSeenMs', ARGV[12])
if slot then
  redis.call('HSET', KEYS[1], 'slot', slot)
elseif cur[3] then
  redis.call('HDEL', KEYS[1], 'slot')
end
if ARGV[13] == '' then
  redis.call('HDEL', KEYS[1], 'shiftEndMs')
else
  redis.call('HSET', KEYS[1], 'shiftEndMs', ARGV[13])
end
redis.call('ZADD', KEYS[2], ARGV[12], ARGV[3])
if cur[2] then
  return 0
end
return 1
